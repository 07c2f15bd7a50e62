import { beforeAll, describe, expect, it } from 'vitest';
import { DIGIT_CLASSES } from '../../../src/shared/datasets';
import type { Prediction } from '../../../src/shared/models';
import { ModelLibrary } from '../../../src/main/models/library';
import { ModelWorker } from '../../../src/main/models/worker';
import { TrainingHost } from '../../../src/main/training/host';
import { realDigits } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';
import { collectEvents, fixtureConfig, nextEvent, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

/** Real MNIST digits of the fixture's test part (never trained on), as a canvas would send them: RGBA, ink as opacity. */
function canvasDigit(i: number): { pixels: { width: number; height: number; channels: 4; data: Uint8Array<ArrayBuffer> } } {
  const gray = realDigits().images.subarray((9000 + i) * 784, (9001 + i) * 784);
  const rgba = new Uint8Array(784 * 4);
  gray.forEach((v, p) => (rgba[p * 4 + 3] = v));
  return { pixels: { width: 28, height: 28, channels: 4, data: rgba } };
}
const label = (i: number) => realDigits().labels[9000 + i]!;
const DIGITS = 30;

function expectDistribution(p: Prediction): void {
  expect(p.probabilities).toHaveLength(10);
  expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  expect(p.predicted).toBe(p.probabilities.indexOf(Math.max(...p.probabilities)));
  expect(p.classNames).toEqual([...DIGIT_CLASSES]);
  expect(p.input).toHaveLength(784);
}

describe('train:predict: a drawing scored by the model a real trainer is training', () => {
  it('answers between batches with the current weights, leaks no tensor, and matches the saved model once stopped', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const events = collectEvents(host);
    const { runId } = await host.start(fixtureConfig({ epochs: 500, batchSize: 32, logEvery: 20, seed: 11 }));
    await expect(host.predict('not-the-run', { image: canvasDigit(0), preprocess: true })).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'runId' });

    // After each of two epochs, as the Playground does: thirty digits each, while the run goes on (many epochs, so it
    // is still training however fast the path; an epoch may pass during the thirty calls, hence `>=`).
    const right: number[] = [];
    for (const epoch of [1, 2]) {
      await nextEvent(host, 'epoch', (e) => e.epoch >= epoch);
      let correct = 0;
      for (let i = 0; i < DIGITS; i++) {
        const p = await host.predict(runId, { image: canvasDigit(i), preprocess: true });
        expectDistribution(p);
        if (p.predicted === label(i)) correct++;
      }
      right.push(correct);
    }
    await nextEvent(host, 'epoch', (e) => e.epoch >= 3);
    // An mlp on 8000 digits knows most of them after one epoch.
    expect(right[0]).toBeGreaterThanOrEqual(DIGITS * 0.7);

    // Paused, the weights hold still: the live answer must be the saved model's once the run stops.
    host.pause(runId);
    await nextEvent(host, 'activity', (e) => e.activity === 'paused');
    const live = await host.predict(runId, { image: canvasDigit(5), preprocess: true });
    const again = await host.predict(runId, { image: canvasDigit(5), preprocess: true });
    expect(again.probabilities).toEqual(live.probabilities);
    host.stop(runId);
    const record = await host.whenFinished(runId);
    expect(record.status).toBe('stopped');
    await expect(host.predict(runId, { image: canvasDigit(0), preprocess: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const tensors = events.flatMap((e) => (e.kind === 'epoch' ? [e.tensors] : []));
    expect(new Set(tensors).size).toBe(1);

    const worker = new ModelWorker();
    try {
      const saved = await new ModelLibrary(home, worker).predict(record.modelId!, canvasDigit(5), true);
      saved.probabilities.forEach((p, k) => expect(p).toBeCloseTo(live.probabilities[k]!, 6));
      expect(Array.from(saved.input)).toEqual(Array.from(live.input));
    } finally {
      worker.close();
    }
    console.log(`live predictions right after epoch 1: ${right[0]}/${DIGITS}, after epoch 2: ${right[1]}/${DIGITS}`);
  }, 180_000);

  it('refuses an image that is not one, naming the field, and the run trains on', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const events = collectEvents(host);
    const { runId } = await host.start(fixtureConfig({ epochs: 500, limit: 2000, logEvery: 5, seed: 2 }));
    await nextEvent(host, 'batch');
    const bad = { pixels: { width: 2000, height: 2000, channels: 1 as const, data: new Uint8Array(2000 * 2000) } };
    const blank = await host.predict(runId, { image: bad, preprocess: false }).catch((err: unknown) => err);
    expect(blank).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'image', message: expect.stringContaining('28×28') });
    const epoch = events.findLast((e) => e.kind === 'epoch')?.epoch ?? 0;
    await nextEvent(host, 'epoch', (e) => e.epoch > epoch);
    host.stop(runId);
    expect((await host.whenFinished(runId)).status).toBe('stopped');
  }, 120_000);
});
