/**
 * A trainer process (started through entry.ts). It waits for one `start`,
 * runs that job, reports every outcome as an event, and exits. A crash here ends
 * this process only; the host turns it into a failed run.
 */
import type { TrainEvent } from '@shared/training';
import { loadTf, tfLoaded } from '../native';
import { RunControl } from './control';
import { failureReason } from './failure';
import type { ScoringModel } from './tasks';
import { guessTrainData, guessTrainThreads, parsePrelaunchArgv } from '../training/train-argv';
import { setEnvVars } from '../training/trainer-process';
import { isHostMessage, PRELAUNCH_ARGV_ENV, RUN_TRAINER_ENV, SPARE_ENV, type HostMessage, type ModelTask, type TrainerJob, type TrainerMessage } from './protocol';
import { runJob } from './run';
import { ReadAheadWorker, sameRequest, type ReadAhead, type ReadAheadRequest } from './read-ahead';
import { takeEarlyWorker } from './read-ahead-start';
import { datasetSource } from '../datasets/load';
import { WarmCache } from './warm';
import { mark } from '../trace';

mark('trainer: modules loaded');

/** Electron's port to the parent of a utility process (absent under child_process). */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** The link to the host, whichever way this process was started. */
interface Channel {
  send(message: TrainerMessage): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
}

function parentChannel(): Channel {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: async (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    };
  }
  if (!process.send) throw new Error('the trainer must be started by the studio (no IPC channel to a parent)');
  // Nobody left to report to: a host that died must not leave a trainer burning CPU.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (message) =>
      new Promise((resolve) => {
        if (!process.connected) return resolve();
        process.send!(message, undefined, {}, () => resolve());
      }),
    onMessage: (listener) => process.on('message', listener),
  };
}

const channel = parentChannel();
const electronPort = Boolean((process as { parentPort?: ParentPort }).parentPort);
const emit = (event: TrainEvent) => void channel.send({ kind: 'event', event });
let runId: string | null = null;
/** The model this process is training, once built: the `-live` tasks score and explain a drawing with it. */
let live: ScoringModel | null = null;
let tasks: Promise<void> = Promise.resolve();
/** What a training process answers: work on the model it trains, never a library task. */
const LIVE_TASKS = new Set<ModelTask['kind']>(['predict-live', 'explain-live', 'first-layer-live']);
const control = new RunControl((activity) => {
  if (runId) emit({ kind: 'activity', runId, activity });
});

/**
 * A spare trainer (SPARE_ENV set by the host) gets ready before its run is
 * asked for: TensorFlow loaded and warmed up at once, the hinted dataset
 * read and made into tensors when the `warm` message comes (trainer/warm.ts).
 */
const warm = process.env[SPARE_ENV] === '1' ? new WarmCache() : null;
let preparing: Promise<void> = Promise.resolve();
if (warm) {
  // After this turn, so the channel is listening; a `start` that comes meanwhile waits for this turn only.
  setImmediate(() => {
    try {
      warm.warmUp(loadTf());
    } catch (err) {
      // A warm-up that fails costs nothing but the time: the run self-tests as a cold trainer would.
      console.error(`warm-up failed: ${failureReason(err)}`);
    }
  });
}

/** A cold trainer started for a run: its read-ahead worker, started by the entry (or now), loads its modules before the job comes. */
const readAheadWorker = !warm && process.env[RUN_TRAINER_ENV] === '1' ? new ReadAheadWorker(takeEarlyWorker() ?? undefined) : null;

/**
 * `train`'s prelaunched trainer (PRELAUNCH_ARGV_ENV): from its command line
 * it guesses the data set, which its read-ahead worker is reading already
 * (it guesses the same), and its threads, with which it loads TensorFlow at
 * once, both while the CLI still reads its command line and sends the job
 * (train-argv.ts; the CLI uses this process only if the run gets the same
 * threads, and `start` drops data read for another data set).
 */
const argv = warm ? null : parsePrelaunchArgv(process.env[PRELAUNCH_ARGV_ENV]);
const earlyRequest = argv && readAheadWorker ? guessTrainData(argv, process.env) : null;
const earlyRead = earlyRequest ? { request: earlyRequest, answer: readAheadWorker!.read(earlyRequest) } : null;
const guessedThreads = argv ? guessTrainThreads(argv, process.env) : null;
if (guessedThreads) {
  setEnvVars(process.env, guessedThreads);
  // After this turn, so the channel is listening; the job waits for TensorFlow, which it needs first anyway.
  setImmediate(() => {
    try {
      loadTf();
      mark('trainer: TensorFlow loaded early');
    } catch {
      // The run loads it again and reports why it cannot.
    }
  });
}

/** The dataset read ahead for `request`: the early read if it was for the same, else a read now. */
function readAhead(request: ReadAheadRequest): Promise<ReadAhead | null> {
  if (earlyRead && sameRequest(earlyRead.request, request)) return earlyRead.answer;
  // The guess was another data set (or none): that worker is busy with it, or has answered, so a new one reads this one.
  return (earlyRead || !readAheadWorker ? new ReadAheadWorker() : readAheadWorker).read(request);
}

async function finish(event: TrainEvent): Promise<never> {
  await channel.send({ kind: 'event', event });
  // Electron's port has no delivery callback: give the message a moment to leave (child_process's send waits for it).
  if (electronPort) await new Promise((resolve) => setTimeout(resolve, 50));
  process.exit(0);
}

async function start(job: TrainerJob): Promise<void> {
  runId = job.runId;
  mark('trainer: job received');
  let terminal: TrainEvent;
  // A cold trainer reads its dataset in a worker while TensorFlow loads; a warm one has it (or is reading it) already.
  const ahead = warm ? undefined : readAhead({ source: datasetSource(job.home, job.config.dataset), normalization: job.config.hyperparams.normalization });
  // A trainer started before its run was known learns its threads now, before TensorFlow reads them.
  if (!tfLoaded()) {
    for (const [name, value] of [
      ['TF_NUM_INTRAOP_THREADS', job.intraOpThreads],
      ['TF_NUM_INTEROP_THREADS', job.interOpThreads],
    ] as const) {
      if (value === null) delete process.env[name];
      else if (value !== undefined) process.env[name] = value;
    }
  }
  try {
    terminal = await runJob(loadTf(), job, control, emit, (model) => (live = model), warm ?? undefined, ahead);
  } catch (err) {
    terminal = { kind: 'failed', runId: job.runId, reason: failureReason(err) };
  }
  await finish(terminal);
}

function handle(message: HostMessage): void {
  switch (message.kind) {
    case 'start':
      if (runId === null) void start(message.job);
      break;
    case 'pause':
      control.pause();
      break;
    case 'resume':
      control.resume();
      break;
    case 'stop':
      control.stop();
      break;
    case 'task':
      // A library worker: tasks run one after another (tfjs ops are synchronous anyway). A training
      // process answers only the `-live` tasks, with its model as it stands between two batches.
      if (runId === null || LIVE_TASKS.has(message.task.kind)) {
        // The tasks' modules (image decoding, UMAP, saliency) load with the first task, not before a run's first step.
        tasks = tasks.then(async () =>
          (await import('./tasks')).serveTask(
            loadTf(),
            message,
            (reply) => channel.send(reply),
            () => live,
          ),
        );
      } else {
        void channel.send({
          kind: 'task-reply',
          id: message.id,
          ok: false,
          error: { code: 'BUSY', message: 'this process is training a run; it scores only with the model it trains' },
        });
      }
      break;
    case 'warm':
      // Only while waiting: a run reads what it needs itself.
      if (warm && runId === null) {
        const cache = warm;
        preparing = preparing.then(() => cache.prepare(loadTf(), message.hint));
      }
      break;
    default: {
      const never: never = message;
      throw new Error(`unknown host message ${JSON.stringify(never)}`);
    }
  }
}

channel.onMessage((message) => {
  if (isHostMessage(message)) handle(message);
});

// Ctrl-C in a terminal reaches the whole process group: the host decides what it means (stop, then evaluate).
process.on('SIGINT', () => {});

process.on('uncaughtException', (err) => {
  if (runId) void finish({ kind: 'failed', runId, reason: failureReason(err) });
  else process.exit(1);
});
