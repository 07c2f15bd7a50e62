import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../../src/shared/training';
import { TrainEventThrottle } from '../../../src/main/training/throttle';

const batch = (step: number): TrainEvent => ({
  kind: 'batch',
  runId: 'r',
  epochs: 1,
  stepsPerEpoch: 1000,
  points: [{ epoch: 1, step, globalStep: step, loss: 1 / step, accuracy: 0.5, samplesPerSec: 1 }],
  losses: { from: step, values: [1 / step] },
});
const progress = (step: number): TrainEvent => ({ kind: 'progress', runId: 'r', epoch: 1, epochs: 1, step, stepsPerEpoch: 1000, samplesPerSec: 1, etaMs: 0 });

describe('TrainEventThrottle', () => {
  it('lets one burst through, then merges batch points and keeps the latest progress until the interval has passed', async () => {
    const out: TrainEvent[] = [];
    const throttle = new TrainEventThrottle((e) => out.push(e), 100);
    for (let step = 1; step <= 100; step++) {
      throttle.push(batch(step));
      throttle.push(progress(step));
    }
    expect(out.map((e) => e.kind)).toEqual(['batch']);
    await new Promise((r) => setTimeout(r, 150));
    expect(out.map((e) => e.kind)).toEqual(['batch', 'batch', 'progress']);
    const points = out.flatMap((e) => (e.kind === 'batch' ? e.points.map((p) => p.step) : []));
    expect(points).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(out[2]).toMatchObject({ kind: 'progress', step: 100 });
    throttle.dispose();
  });

  it('flushes what it holds before an epoch, done or failed event, which pass at once', () => {
    const out: TrainEvent[] = [];
    const throttle = new TrainEventThrottle((e) => out.push(e), 10_000);
    throttle.push(batch(1));
    throttle.push(batch(2));
    throttle.push(progress(2));
    throttle.push({ kind: 'failed', runId: 'r', reason: 'x' });
    expect(out.map((e) => e.kind)).toEqual(['batch', 'batch', 'progress', 'failed']);
    expect(out[1]).toMatchObject({ points: [{ step: 2 }] });
    throttle.dispose();
  });

  it('merges each batch loss into one contiguous array per sent event, none dropped', async () => {
    const out: TrainEvent[] = [];
    const throttle = new TrainEventThrottle((e) => out.push(e), 50);
    for (let step = 1; step <= 300; step++) throttle.push({ kind: 'batch', runId: 'r', epochs: 1, stepsPerEpoch: 300, points: [], losses: { from: step, values: [step] } });
    await new Promise((r) => setTimeout(r, 100));
    const batches = out.flatMap((e) => (e.kind === 'batch' ? [e] : []));
    expect(batches).toHaveLength(2);
    expect(batches.map((e) => e.losses.from)).toEqual([1, 2]);
    expect(batches.flatMap((e) => e.losses.values)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    throttle.dispose();
  });
});
