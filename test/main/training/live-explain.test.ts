import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../../src/shared/explain';
import { describeModel, presetSpec, type Preset } from '../../../src/shared/model-spec';
import type { TrainEvent } from '../../../src/shared/training';
import { createStudio, type Studio } from '../../../src/main/studio';
import { mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { call } from '../../helpers/studio-home';
import { requireBuiltTrainer } from '../../helpers/training';

/**
 * Issue 18: `train:explain` looks inside the model a real trainer is
 * training, with its weights between two batches, through the dispatcher
 * (and so the contract's schemas), on both training paths.
 */
let home: string;
let studio: Studio;

beforeAll(async () => {
  requireBuiltTrainer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-live-explain-'));
  studio = createStudio({ home, shell: 'web' });
  await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
}, 60_000);

afterAll(async () => {
  await studio?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** A real test digit (never trained on) as a canvas sends it: RGBA, ink as opacity. */
function canvasDigit(i: number) {
  const gray = realDigits().images.subarray((9000 + i) * 784, (9001 + i) * 784);
  const data = new Uint8Array(784 * 4);
  gray.forEach((v, p) => (data[p * 4 + 3] = v));
  return { pixels: { width: 28, height: 28, channels: 4 as const, data } };
}

/** The first `train` event of `kind` that `match`es. */
function nextTrainEvent<K extends TrainEvent['kind']>(kind: K, match: (e: Extract<TrainEvent, { kind: K }>) => boolean = () => true): Promise<Extract<TrainEvent, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} event within 90 s`)), 90_000);
    const off = studio.events.on('train', (e: TrainEvent) => {
      if (e.kind === kind && match(e as Extract<TrainEvent, { kind: K }>)) {
        clearTimeout(timer);
        off();
        resolve(e as Extract<TrainEvent, { kind: K }>);
      }
      if (e.kind === 'failed') {
        clearTimeout(timer);
        off();
        reject(new Error(e.reason));
      }
    });
  });
}

const softmax = (logits: ArrayLike<number>) => {
  const m = Math.max(...Array.from(logits));
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('train:explain: inside the model a run is training', () => {
  it('is refused, naming the run, when no run is training', async () => {
    await expect(call(studio, 'train:explain', { runId: 'no-such-run', image: canvasDigit(0) })).rejects.toThrow(/NOT_FOUND: run no-such-run is not training \(active: none\)/);
  });

  for (const [preset, trainingPath] of [
    ['cnn', 'native'],
    ['mlp', 'layers'],
  ] as const satisfies readonly (readonly [Preset, 'native' | 'layers'])[]) {
    it(`answers every layer of the ${preset} with its shape and the live prediction's probabilities, after each epoch (${trainingPath} path)`, { timeout: 180_000 }, async () => {
      const spec = presetSpec(preset);
      const started = nextTrainEvent('started');
      const { runId } = await call(studio, 'train:start', { dataset: { id: 'digits' }, model: spec, hyperparams: { epochs: 500, limit: 2000, seed: 3, trainingPath } });
      expect((await started).environment.trainingPath).toBe(trainingPath);
      const first = await nextTrainEvent('epoch', (e) => e.epoch >= 1);

      // Paused, the weights hold still: the explanation's prediction must be the live prediction itself.
      const paused = nextTrainEvent('activity', (e) => e.activity === 'paused');
      await call(studio, 'train:pause', { runId });
      await paused;
      const image = canvasDigit(3);
      const predicted = await call(studio, 'train:predict', { runId, image });
      const t0 = performance.now();
      const ex: Explanation = await call(studio, 'train:explain', { runId, image });
      const roundTrip = performance.now() - t0;
      expect(ex.prediction.probabilities).toEqual(predicted.probabilities);
      expect(Array.from(ex.prediction.input)).toEqual(Array.from(predicted.input));

      // Every layer in the network's order, with the shape the spec gives it.
      const summary = describeModel(spec);
      expect(ex.layers.map((l) => l.index)).toEqual(spec.layers.map((_, i) => i));
      expect(ex.layers.map((l) => l.shape)).toEqual(summary.layers.map((l) => l.outputShape));
      const logits = ex.layers.at(-1)!;
      expect(logits.kind).toBe('units');
      softmax(logits.kind === 'units' ? logits.values : []).forEach((p, k) => expect(p).toBeCloseTo(predicted.probabilities[k]!, 5));
      expect(ex.saliency.classIndex).toBe(predicted.predicted);
      expect(ex.saliency.integrated).toHaveLength(784);
      // Integrated gradients' completeness, as for a saved model.
      expect(Math.abs(ex.saliency.integratedSum - ex.saliency.scoreDelta)).toBeLessThan(0.05 * Math.max(1, Math.abs(ex.saliency.scoreDelta)));

      // "Why not …?" for another class, then on: after the next epoch the explanation follows the new weights.
      const other = (predicted.predicted + 1) % 10;
      const whyNot = await call(studio, 'train:explain', { runId, image, class: other, steps: 16 });
      expect(whyNot.saliency).toMatchObject({ classIndex: other, steps: 16 });
      const epoch = nextTrainEvent('epoch', (e) => e.epoch >= 2);
      await call(studio, 'train:resume', { runId });
      // Explaining left no tensor behind in the trainer.
      expect((await epoch).tensors).toBe(first.tensors);
      const later = await call(studio, 'train:explain', { runId, image });
      expect(later.prediction.probabilities).not.toEqual(ex.prediction.probabilities);

      const end = nextTrainEvent('done');
      await call(studio, 'train:stop', { runId });
      await end;
      await expect(call(studio, 'train:explain', { runId, image })).rejects.toThrow(/NOT_FOUND/);
      console.log(
        `${preset} on the ${trainingPath} path: live explain ${ex.elapsedMs.toFixed(0)} ms in the trainer (first), ${later.elapsedMs.toFixed(0)} ms (after the next epoch), ${roundTrip.toFixed(0)} ms round trip (first)`,
      );
    });
  }
});
