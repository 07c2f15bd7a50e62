/**
 * Load (issue 7, item 5). Twenty real training runs back to back in one
 * training host: the host's memory and the trainers' live tensors stay flat
 * and no trainer process outlives its run. Then 1,000 rapid calls from the
 * renderer's own WebSocket transport to a real web-mode server while a run
 * trains: every call answered, every logged batch of the run delivered, and
 * the main process's event-loop delay measured. The numbers go to the
 * summary (category 'load'); the assertions are on behaviour, plus one
 * deliberately generous responsiveness bound, argued below.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StudioClient } from '../../src/shared/api';
import { buildStudioClient, type ClientTransport } from '../../src/shared/client';
import { presetSpec } from '../../src/shared/model-spec';
import type { Result } from '../../src/shared/result';
import { TrainConfigInput, type TrainEvent } from '../../src/shared/training';
import { createStudio } from '../../src/main/studio';
import { TrainingHost } from '../../src/main/training/host';
import { startWebServer } from '../../src/main/web/server';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { recordMetric } from '../helpers/robustness';
import { call } from '../helpers/studio-home';
import { tmpDir } from '../helpers/tmp';
import { collectEvents, requireBuiltTrainer } from '../helpers/training';

const MiB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** Live child processes of this process (Linux /proc): trainers that outlived their run. */
function liveChildren(): number[] {
  const tasks = path.join('/proc', String(process.pid), 'task');
  return fs.readdirSync(tasks).flatMap((t) => {
    const text = fs.readFileSync(path.join(tasks, t, 'children'), 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  });
}

describe('twenty training runs back to back in one host', () => {
  // Margins: the host keeps nothing per finished run but its record on disk. Twenty tiny runs of
  // a leak of one run's data (its 1,000-odd batch points, its evaluation with the confusion matrix,
  // its trainer's stderr) would grow the heap steadily; a leaked child process, its pipes. After two
  // warm-up runs (module loading, JIT), growth beyond 24 MiB of heap or 64 MiB of RSS is a leak.
  const RUNS = 20;
  const HEAP_MARGIN_MB = 24;
  const RSS_MARGIN_MB = 64;

  it(`${RUNS} runs: every one done, heap and RSS flat within ${HEAP_MARGIN_MB} / ${RSS_MARGIN_MB} MiB, the trainers' tensors equal, no process left`, async () => {
    requireBuiltTrainer();
    const home = tmpDir();
    const host = new TrainingHost({ home });
    // Tiny runs (512 real digits, 8 steps, 256 to test): what is measured is the host around them.
    const data = mnistFixtureDir({ train: 512, test: 256 });
    const config = (seed: number) => TrainConfigInput.parse({ dataset: { dir: data }, model: presetSpec('mlp'), hyperparams: { epochs: 1, batchSize: 64, logEvery: 1, seed } });
    const events = collectEvents(host);
    const samples: { rss: number; heap: number }[] = [];
    const tensors: number[] = [];
    let peakRss = 0;
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const { runId } = await host.start(config(i + 1));
      const record = await host.whenFinished(runId);
      expect(record.status, record.reason ?? '').toBe('done');
      expect(record.metrics.batches.map((b) => b.globalStep)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(record.evaluation?.count).toBe(256);
      const epoch = events.find((e) => e.kind === 'epoch' && e.runId === runId);
      if (epoch?.kind === 'epoch') tensors.push(epoch.tensors);
      const m = process.memoryUsage();
      samples.push({ rss: m.rss, heap: m.heapUsed });
      peakRss = Math.max(peakRss, m.rss);
    }
    const seconds = (performance.now() - t0) / 1000;
    const start = samples[1]!;
    const end = samples.at(-1)!;
    recordMetric({
      category: 'load',
      name: `${RUNS} training runs back to back`,
      peakRssMb: mb(peakRss),
      extra: {
        runs: RUNS,
        seconds: Math.round(seconds),
        rssStartMb: mb(start.rss),
        rssEndMb: mb(end.rss),
        heapStartMb: mb(start.heap),
        heapEndMb: mb(end.heap),
        tensorsStart: tensors[0] ?? -1,
        tensorsEnd: tensors.at(-1) ?? -1,
      },
    });
    expect(tensors).toHaveLength(RUNS);
    expect(new Set(tensors).size).toBe(1);
    expect(mb(end.heap - start.heap)).toBeLessThan(HEAP_MARGIN_MB);
    expect(mb(end.rss - start.rss)).toBeLessThan(RSS_MARGIN_MB);
    // Every trainer exited with its run.
    expect(liveChildren()).toEqual([]);
    expect(host.status().state).toBe('idle');
    await host.close();
  });
});

/** `ws`, dressed as the browser's WebSocket for the renderer's transport: the page's Origin is what a browser would send. */
function browserWebSocket(origin: string) {
  return class extends WebSocket {
    constructor(url: string | URL) {
      super(url, { origin });
    }
  };
}

interface WsTransportLike extends ClientTransport {
  ready: Promise<boolean>;
  close(): void;
}

/** The renderer's own transport (src/renderer/src/api/ws-transport.ts), loaded at run time: it is browser code, outside the node type-check. */
async function rendererTransport(url: string, token: string): Promise<WsTransportLike> {
  const file = path.join(ROOT, 'src', 'renderer', 'src', 'api', 'ws-transport.ts');
  const mod = (await import(/* @vite-ignore */ file)) as { createWsTransport(baseUrl: string, token: string): WsTransportLike };
  return mod.createWsTransport(url, token);
}

describe('1,000 rapid calls over the WebSocket while a run trains', () => {
  const CALLS = 1000;
  // Generous on purpose: a main process that ran even one TensorFlow op synchronously, or
  // blocked on a file, would stall for seconds while training; garbage collection and a
  // busy two-core CI machine stay far below one second.
  const MAX_LOOP_DELAY_MS = 1000;

  it(`every call answered, no logged batch lost, the event loop never blocked ${MAX_LOOP_DELAY_MS} ms`, async () => {
    requireBuiltTrainer();
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
    const server = await startWebServer({ studio, rendererDir: path.join(ROOT, 'out', 'renderer') });
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    g.WebSocket = browserWebSocket(`http://127.0.0.1:${server.port}`);
    const transport = await rendererTransport(`http://127.0.0.1:${server.port}/`, server.token);
    const client: StudioClient = buildStudioClient(transport);
    try {
      expect(await transport.ready).toBe(true);
      const events: TrainEvent[] = [];
      client.on('train', (e) => events.push(e));
      const rssStart = process.memoryUsage().rss;

      // Far more epochs than the calls take, however fast the engine trains: the test stops the run once they are answered.
      const hp = { epochs: 1000, limit: 2000, batchSize: 32, logEvery: 1, seed: 11 };
      const started = await client.train.start({ dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: hp });
      expect(started.ok).toBe(true);
      const runId = started.ok ? started.value.runId : '';
      const until = async (check: () => boolean, what: string) => {
        const end = Date.now() + 120_000;
        while (!check()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await until(() => events.some((e) => e.kind === 'batch'), 'the first batch');

      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const asks: (() => Promise<Result<unknown>>)[] = [
        () => client.train.status({}),
        () => client.runs.get({ id: runId }),
        () => client.runs.list({}),
        () => client.settings.get({}),
        () => client.app.info({}),
        () => client.models.list({}),
      ];
      const latencies: number[] = [];
      const results: Result<unknown>[] = [];
      const t0 = performance.now();
      // As fast as a page can ask: 25 in flight at a time, each answered before its slot asks again.
      let next = 0;
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          while (next < CALLS) {
            const i = next++;
            const t = performance.now();
            results[i] = await asks[i % asks.length]!();
            latencies.push(performance.now() - t);
          }
        }),
      );
      const callsMs = performance.now() - t0;
      loop.disable();
      const stillTraining = await client.train.status({});
      expect((await client.train.stop({ runId })).ok).toBe(true);

      const done = await new Promise<Extract<TrainEvent, { kind: 'done' | 'failed' }>>((resolve) => {
        const check = () => {
          const end = events.find((e): e is Extract<TrainEvent, { kind: 'done' | 'failed' }> => e.kind === 'done' || e.kind === 'failed');
          if (end) resolve(end);
          else setTimeout(check, 20);
        };
        check();
      });
      const rssEnd = process.memoryUsage().rss;
      latencies.sort((a, b) => a - b);
      const points = events.flatMap((e) => (e.kind === 'batch' ? e.points : []));
      // Stopped after some batch: every step up to the last one logged.
      const totalSteps = Math.max(0, ...points.map((p) => p.globalStep));
      const expectedSteps = Array.from({ length: totalSteps }, (_, k) => k + 1);
      const lost = expectedSteps.filter((s) => !points.some((p) => p.globalStep === s)).length;
      const answered = results.filter((r) => r !== undefined).length;
      recordMetric({
        category: 'load',
        name: `${CALLS} WebSocket calls while training`,
        peakRssMb: mb(Math.max(rssStart, rssEnd)),
        extra: {
          calls: CALLS,
          answered,
          failedCalls: results.filter((r) => r && !r.ok).length,
          callsPerSecond: Math.round(CALLS / (callsMs / 1000)),
          callP99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)]! * 10) / 10,
          eventLoopP99Ms: Math.round((loop.percentile(99) / 1e6) * 10) / 10,
          eventLoopMaxMs: Math.round((loop.max / 1e6) * 10) / 10,
          rssStartMb: mb(rssStart),
          rssEndMb: mb(rssEnd),
          trainSteps: totalSteps,
          lostSteps: lost,
        },
      });

      // All answered, all well, and the calls really overlapped the training.
      expect(answered).toBe(CALLS);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(stillTraining.ok && stillTraining.value.runId).toBe(runId);
      // No train event lost: every step's point, once, in order; every epoch; one end, the run stopped.
      expect(done).toMatchObject({ kind: 'done', status: 'stopped', runId });
      expect(totalSteps).toBeGreaterThan(0);
      expect(points.map((p) => p.globalStep)).toEqual(expectedSteps);
      const epochs = events.flatMap((e) => (e.kind === 'epoch' ? [e.epoch] : []));
      expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, k) => k + 1));
      expect(epochs.length).toBeLessThanOrEqual(Math.ceil(totalSteps / Math.ceil(2000 / 32)));
      expect(events.filter((e) => e.kind === 'done' || e.kind === 'failed')).toHaveLength(1);
      expect(loop.max / 1e6).toBeLessThan(MAX_LOOP_DELAY_MS);
    } finally {
      transport.close();
      g.WebSocket = saved;
      await server.close();
      await studio.close();
    }
  });
});
