import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect } from 'vitest';

/**
 * The engine's event loop measured over some seconds of work: in web mode
 * the server runs in the test's process, so its loop is this one. A bare
 * Node process beside it, measured over the same seconds, shows what the
 * machine itself adds (the CPU shared with trainers, Chromium and anything
 * else).
 */

/** A frame at 60 Hz: longer, and a window waiting on the engine stutters. */
export const BUDGET_MS = 16;
/** A loop busy a fifth of the time still has room for every frame's message. */
export const MAX_BUSY = 0.2;
/** Each sample is the time between two 1 ms ticks: 1 ms is no delay. */
const RESOLUTION_MS = 1;

export interface Delay {
  p50: number;
  p99: number;
  max: number;
}

export interface LoopMeasure {
  studio: Delay;
  bare: Delay;
  /** Share of the time this process's loop was busy. */
  busy: number;
  seconds: number;
}

/** A Node process doing nothing but measure its own event-loop delay until told to stop. */
function controlProcess(): { stop(): Promise<Delay> } {
  const script = `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: ${RESOLUTION_MS} }); h.enable();
process.stdin.on('data', () => { h.disable(); process.stdout.write(JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 })); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        child.on('exit', () => {
          try {
            resolve(JSON.parse(out) as Delay);
          } catch (err) {
            reject(new Error(`the control process said ${JSON.stringify(out)}: ${String(err)}`));
          }
        });
        child.stdin.write('stop\n');
      }),
  };
}

/** Runs `work` while measuring this process's event loop and a bare one's; logs the figures as `what`. */
export async function measureEventLoop(what: string, work: () => Promise<void>): Promise<LoopMeasure> {
  const control = controlProcess();
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const busyBefore = performance.eventLoopUtilization();
  const started = Date.now();
  try {
    await work();
  } finally {
    delay.disable();
  }
  const busy = performance.eventLoopUtilization(busyBefore).utilization;
  const bare = await control.stop();
  const studio = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
  const seconds = (Date.now() - started) / 1000;
  const ms = (x: Delay) => `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms, max ${x.max.toFixed(1)} ms`;
  console.log(
    `event-loop delay over ${seconds.toFixed(1)} s of ${what}: studio ${ms(studio)}, busy ${(busy * 100).toFixed(1)} % of the time; a bare Node process meanwhile ${ms(bare)}`,
  );
  return { studio, bare, busy, seconds };
}

/**
 * On a quiet machine the bar is absolute. On a loaded one (a bare process
 * misses it too) the delay is the scheduler's, and what is the studio's is
 * how much of the time its loop was busy (this process also runs the test).
 */
export function expectSmoothLoop(m: LoopMeasure): void {
  if (m.bare.p99 < BUDGET_MS) expect(m.studio.p99).toBeLessThan(BUDGET_MS);
  else expect(m.busy).toBeLessThan(MAX_BUSY);
}
