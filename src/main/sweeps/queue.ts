/**
 * Sweeps over many machines through Redis and BullMQ. The sweep's process
 * puts each trial on the queue (job id `<sweep>-<trial>`, so a resumed
 * sweep never adds a trial twice); `mnist-studio worker` on any machine
 * with the data set trains it as an ordinary run in its own home and
 * answers with the run's folder and the model's folder as one .zip
 * (base64) in the job's result, which lands in the sweep's home exactly as
 * a local trial's run and model. A worker killed mid-trial stops renewing
 * its job's lock: BullMQ's stalled-job check puts the job back and another
 * worker trains it; the sweep lands a trial's result once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as BullMQ from 'bullmq';
import type { ConnectionOptions, Job, Queue, QueueEvents } from 'bullmq';
import { z } from 'zod';
import { StudioError } from '@shared/result';
import { TrainConfigInput } from '@shared/training';
import { writeFileAtomic } from '../fs-atomic';
import { modelDir } from '../models/store';
import { readZipEntries, writeZip, type ZipLimits } from '../models/zip';
import { TrainingHost } from '../training/host';
import { runDir } from '../training/runs-store';

export const TRIAL_QUEUE = 'mnist-studio-trials';

/** How long a worker's lock on a trial lasts without renewal, and how often workers look for stalled trials. */
export const QUEUE_TIMING = { lockDuration: 10_000, stalledInterval: 4_000, maxStalledCount: 5 } as const;

export const TrialJobData = z.object({ sweepId: z.string(), index: z.number().int().min(0), runId: z.string(), config: TrainConfigInput }).strict();
export type TrialJobData = z.input<typeof TrialJobData>;

export const TrialJobResult = z.object({ runId: z.string(), modelId: z.string().nullable(), status: z.string(), zip: z.string() }).strict();
export type TrialJobResult = z.output<typeof TrialJobResult>;

const RESULT_LIMITS: ZipLimits = { maxEntries: 32, maxEntryBytes: 512 * 1024 * 1024, maxTotalBytes: 1024 * 1024 * 1024 };

/** BullMQ's connection from `redis://host:port[/db]`; anything else is refused with the flag named. */
export function queueConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StudioError('INVALID_ARGUMENT', `--queue ${url}: not a URL; write redis://HOST:PORT`, 'queue');
  }
  if (u.protocol !== 'redis:') throw new StudioError('INVALID_ARGUMENT', `--queue ${url}: must be redis://HOST:PORT`, 'queue');
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    maxRetriesPerRequest: null,
  };
}

async function folderFiles(dir: string, prefix: string): Promise<{ name: string; file: string }[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).map((n) => ({ name: `${prefix}/${n}`, file: path.join(dir, n) }));
}

/** The run's and the model's folders as one .zip, base64. */
async function packResult(home: string, runId: string, modelId: string | null): Promise<string> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-trial-'));
  try {
    const zip = path.join(tmp, 'trial.zip');
    const files = [...(await folderFiles(runDir(home, runId), 'run')), ...(modelId ? await folderFiles(modelDir(home, modelId), 'model') : [])];
    await writeZip(zip, files);
    return (await fs.readFile(zip)).toString('base64');
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Writes a worker's result into `home`: `runs/<runId>/` and `models/<modelId>/`, each file atomically, the run's summary last. */
export async function landResult(home: string, result: TrialJobResult): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mnist-studio-trial-'));
  try {
    const zip = path.join(tmp, 'trial.zip');
    await fs.writeFile(zip, Buffer.from(result.zip, 'base64'));
    const entries = await readZipEntries(zip, RESULT_LIMITS, (name) => /^(run|model)\/[^/]+$/.test(name));
    const names = [...entries.keys()].sort((a, b) => Number(a === 'run/run.json') - Number(b === 'run/run.json'));
    for (const name of names) {
      const [kind, base] = name.split('/') as ['run' | 'model', string];
      if (kind === 'model' && !result.modelId) continue;
      const dir = kind === 'run' ? runDir(home, result.runId) : modelDir(home, result.modelId!);
      await fs.mkdir(dir, { recursive: true });
      await writeFileAtomic(path.join(dir, base), entries.get(name)!);
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Puts trials on the queue and waits for each one's result. */
export class TrialQueue {
  private constructor(
    private readonly bullmq: typeof BullMQ,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
  ) {}

  /** BullMQ is loaded here, not at start: only sweeps on a queue and `worker` need it. */
  static async open(url: string): Promise<TrialQueue> {
    const bullmq = await import('bullmq');
    const connection = queueConnection(url);
    return new TrialQueue(bullmq, new bullmq.Queue(TRIAL_QUEUE, { connection }), new bullmq.QueueEvents(TRIAL_QUEUE, { connection }));
  }

  /** Adds the trial (a job of the same id already there is kept: a resumed sweep waits for it) and resolves with its result. */
  async run(data: TrialJobData): Promise<TrialJobResult> {
    await this.events.waitUntilReady();
    const job: Job = await this.queue.add('trial', data, { jobId: `${data.sweepId}-${data.index}`, attempts: 2, removeOnComplete: false, removeOnFail: false });
    const state = await job.getState();
    const value: unknown = state === 'completed' ? (await this.bullmq.Job.fromId(this.queue, job.id!))?.returnvalue : await job.waitUntilFinished(this.events);
    return TrialJobResult.parse(value);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}

/**
 * `mnist-studio worker`: trains the queue's trials one at a time in `home`
 * until `stop` resolves, answering each with its run and model.
 */
export async function runWorker(options: { url: string; home: string; stop: Promise<void>; log: (line: string) => void }): Promise<void> {
  const { Worker } = await import('bullmq');
  const connection = queueConnection(options.url);
  const host = new TrainingHost({ home: options.home });
  await host.ready;
  const worker = new Worker(
    TRIAL_QUEUE,
    async (job: Job) => {
      const data = TrialJobData.parse(job.data);
      options.log(`trial ${data.index + 1} of sweep ${data.sweepId}: run ${data.runId}\n`);
      const { runId } = await host.start(data.config, { runId: data.runId });
      const record = await host.whenFinished(runId);
      if (record.status === 'failed') throw new Error(`run ${runId} failed: ${record.reason}`);
      options.log(`trial ${data.index + 1} of sweep ${data.sweepId}: ${record.status}, test accuracy ${record.testAccuracy}\n`);
      return { runId, modelId: record.modelId, status: record.status, zip: await packResult(options.home, runId, record.modelId) } satisfies TrialJobResult;
    },
    { connection, concurrency: 1, ...QUEUE_TIMING },
  );
  worker.on('error', (err) => options.log(`queue error: ${err.message}\n`));
  await worker.waitUntilReady();
  options.log(`worker ready on ${options.url}, home ${options.home}\n`);
  await options.stop;
  await worker.close();
  await host.close();
}
