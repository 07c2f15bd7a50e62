import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../../src/shared/explain';
import { MNIST_NORMALIZATION } from '../../../src/shared/hyperparams';
import { presetSpec, type Preset } from '../../../src/shared/model-spec';
import { ModelLibrary } from '../../../src/main/models/library';
import { ModelWorker } from '../../../src/main/models/worker';
import { loadTf } from '../../../src/main/native';
import { normalizePixels } from '../../../src/main/trainer/data';
import { seededRandom } from '../../../src/main/trainer/random';
import { realDigits } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-explain-'));
const worker = new ModelWorker();
const library = new ModelLibrary(home, worker);
/** Test digits: real MNIST digits the models were not trained on. */
const FIRST = 9000;
const COUNT = 100;
const models: Partial<Record<Preset, LayersModel>> = {};

beforeAll(async () => {
  requireBuiltTrainer();
  models.mlp = await trainBriefly(tf, presetSpec('mlp'), 4000, 2);
  await saveToLibrary(tf, models.mlp, home, testMetadata('mlp', presetSpec('mlp')));
  models.cnn = await trainBriefly(tf, presetSpec('cnn'), 3000, 1);
  await saveToLibrary(tf, models.cnn, home, testMetadata('cnn', presetSpec('cnn')));
}, 300_000);

afterAll(() => {
  worker.close();
  Object.values(models).forEach((m) => m.dispose());
  fs.rmSync(home, { recursive: true, force: true });
});

function digit(i: number): Uint8Array<ArrayBuffer> {
  return realDigits().images.slice((FIRST + i) * 784, (FIRST + i + 1) * 784);
}

async function explain(id: string, pixels: Uint8Array<ArrayBuffer>, classIndex?: number): Promise<Explanation> {
  return library.explain(id, { pixels: { width: 28, height: 28, channels: 1, data: pixels } }, false, classIndex ?? null, 32);
}

/** The ink (≥ 10 % bright) grown by `radius` pixels (a disc). */
function dilatedInk(pixels: Uint8Array, radius: number): boolean[] {
  const mask = new Array<boolean>(784).fill(false);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (pixels[y * 28 + x]! < 26) continue;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (dx * dx + dy * dy <= radius * radius && yy >= 0 && yy < 28 && xx >= 0 && xx < 28) mask[yy * 28 + xx] = true;
        }
      }
    }
  }
  return mask;
}

/** Share of the saliency's absolute mass inside `mask`. */
function massInside(values: Float32Array, mask: boolean[]): number {
  let inside = 0;
  let all = 0;
  values.forEach((v, i) => {
    all += Math.abs(v);
    if (mask[i]) inside += Math.abs(v);
  });
  return all > 0 ? inside / all : 0;
}

/** Logit of class `c` for each image (28×28 bytes each). */
function logits(model: LayersModel, images: Uint8Array[], c: number[]): number[] {
  const all = new Uint8Array(images.length * 784);
  images.forEach((img, i) => all.set(img, i * 784));
  const out = tf.tidy(() => (model.predict(tf.tensor4d(normalizePixels(all, MNIST_NORMALIZATION), [images.length, 28, 28, 1])) as Tensor).arraySync() as number[][]);
  return out.map((row, i) => row[c[i]!]!);
}

describe('looking inside a model', () => {
  it('answers every layer’s output in order with its shape, and the prediction models:predict gives', { timeout: 120_000 }, async () => {
    const d = digit(0);
    const ex = await explain('cnn', d);
    const predicted = await library.predict('cnn', { pixels: { width: 28, height: 28, channels: 1, data: d } }, false);
    expect(ex.prediction.predicted).toBe(predicted.predicted);
    ex.prediction.probabilities.forEach((p, i) => expect(p).toBeCloseTo(predicted.probabilities[i]!, 5));
    const cnn = models.cnn!;
    expect(ex.layers.map((l) => l.name)).toEqual(cnn.layers.map((l) => l.name));
    ex.layers.forEach((layer, i) => {
      expect(layer.shape).toEqual(cnn.layers[i]!.outputShape.slice(1));
      if (layer.kind === 'maps') {
        expect(layer.shape.length).toBe(3);
        expect(layer.pixels.length).toBe(layer.shown * layer.width * layer.height);
        expect(Math.max(...layer.pixels)).toBe(layer.max > layer.min ? 255 : 0);
      } else {
        expect(layer.values.length).toBe(Math.min(layer.units, 1024));
      }
    });
    expect(ex.layers.some((l) => l.kind === 'maps')).toBe(true);
    // The last layer's units are the logits: their softmax is the prediction.
    const last = ex.layers[ex.layers.length - 1]!;
    expect(last.kind).toBe('units');
    if (last.kind === 'units') {
      const exps = Array.from(last.values, (v) => Math.exp(v));
      const sum = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, i) => expect(e / sum).toBeCloseTo(ex.prediction.probabilities[i]!, 4));
    }
    console.log(`explain (cnn, 32 IG steps) took ${ex.elapsedMs.toFixed(1)} ms in the worker`);
  });

  for (const preset of ['mlp', 'cnn'] as const) {
    it(
      `${preset}: saliency of the predicted class lies on or next to the ink for 100 test digits, and removing what it points at costs the class more than removing other ink`,
      { timeout: 300_000 },
      async () => {
        const model = models[preset]!;
        let igMass = 0;
        let gradMass = 0;
        let completenessErr = 0;
        const ig: Uint8Array[] = [];
        const random: Uint8Array[] = [];
        const originals: Uint8Array[] = [];
        const classes: number[] = [];
        const rand = seededRandom(7);
        let ms = 0;
        for (let i = 0; i < COUNT; i++) {
          const d = digit(i);
          const ex = await explain(preset, d);
          ms += ex.elapsedMs;
          const mask = dilatedInk(d, 2);
          igMass += massInside(ex.saliency.integrated, mask) / COUNT;
          gradMass += massInside(ex.saliency.gradient, mask) / COUNT;
          completenessErr += Math.abs(ex.saliency.integratedSum - ex.saliency.scoreDelta) / Math.max(1, Math.abs(ex.saliency.scoreDelta)) / COUNT;
          // Deletion: black out the 15 pixels with the largest positive attribution, or 15 ink pixels at random.
          const order = Array.from(ex.saliency.integrated, (v, p) => [v, p] as const).sort((a, b) => b[0] - a[0]);
          const k = 15;
          const a = d.slice();
          order.slice(0, k).forEach(([, p]) => (a[p] = 0));
          const inkPixels = Array.from(d.keys()).filter((p) => d[p]! >= 26);
          const b = d.slice();
          for (let j = 0; j < k && inkPixels.length; j++) b[inkPixels.splice(Math.floor(rand() * inkPixels.length), 1)[0]!] = 0;
          ig.push(a);
          random.push(b);
          originals.push(d);
          classes.push(ex.saliency.classIndex);
        }
        const base = logits(model, originals, classes);
        const afterIg = logits(model, ig, classes);
        const afterRandom = logits(model, random, classes);
        const drop = (after: number[]) => after.reduce((s, v, i) => s + (base[i]! - v), 0) / COUNT;
        console.log(
          `${preset}: saliency mass within the ink dilated by 2 px over ${COUNT} test digits — integrated gradients ${(igMass * 100).toFixed(1)} %, plain gradient ${(gradMass * 100).toFixed(1)} %; ` +
            `IG completeness error ${(completenessErr * 100).toFixed(2)} %; logit drop removing the top-15 IG pixels ${drop(afterIg).toFixed(2)} vs 15 random ink pixels ${drop(afterRandom).toFixed(2)}; ` +
            `mean explain ${(ms / COUNT).toFixed(1)} ms`,
        );
        // From a black baseline IG is (x − black) × mean gradient: zero off the ink by construction, so this
        // figure is ~100 % for any model; the plain gradient's is the one that tells models apart (logged above),
        // and the completeness and deletion checks below are what can fail for a wrong attribution.
        expect(igMass).toBeGreaterThanOrEqual(0.8);
        // The attributions add up to the score's change from a black image (32-step midpoint rule).
        expect(completenessErr).toBeLessThan(0.1);
        // Faithful, not decorative: what IG points at matters to the model more than ink chosen at random.
        expect(drop(afterIg)).toBeGreaterThan(drop(afterRandom) * 1.5);
      },
    );
  }

  it('explains any class ("why not 9?"): the saliency differs between classes', { timeout: 60_000 }, async () => {
    const d = digit(3);
    const own = await explain('mlp', d);
    const other = (own.prediction.predicted + 1) % 10;
    const why = await explain('mlp', d, other);
    expect(why.saliency.classIndex).toBe(other);
    let diff = 0;
    why.saliency.integrated.forEach((v, i) => (diff += Math.abs(v - own.saliency.integrated[i]!)));
    expect(diff).toBeGreaterThan(0);
    await expect(library.explain('mlp', { pixels: { width: 28, height: 28, channels: 1, data: d } }, false, 12, 32)).rejects.toThrow(/class: must be 0 to 9/);
    await expect(library.explain('nope', { pixels: { width: 28, height: 28, channels: 1, data: d } }, false, null, 32)).rejects.toThrow(/nope/);
  });

  it('shows the first layer: a dense layer’s weights as 28×28 images, a convolution’s filters', { timeout: 60_000 }, async () => {
    const dense = await library.firstLayer('mlp', 16);
    expect(dense).not.toBeNull();
    const mlpKernel = models.mlp!.layers.find((l) => l.getClassName() === 'Dense')!.getWeights()[0]!;
    expect(dense!.kind).toBe('dense');
    expect(dense!.total).toBe(mlpKernel.shape[1]);
    expect([dense!.shown, dense!.width, dense!.height, dense!.pixels.length]).toEqual([16, 28, 28, 16 * 784]);
    // Unit 0's image is its weights from the 784 pixels: the largest |weight| maps to 0 or 255.
    const col = Array.from(tf.tidy(() => mlpKernel.slice([0, 0], [784, 1]).dataSync()));
    const m = Math.max(...col.map(Math.abs));
    expect(dense!.scale[0]).toBeCloseTo(m, 5);
    col.forEach((w, p) => expect(Math.abs(dense!.pixels[p]! - (128 + (w / m) * 127))).toBeLessThanOrEqual(0.51));

    const conv = await library.firstLayer('cnn', 64);
    const convKernel = models.cnn!.layers.find((l) => l.getClassName() === 'Conv2D')!.getWeights()[0]!;
    expect(conv!.kind).toBe('conv');
    expect([conv!.height, conv!.width, conv!.total]).toEqual([convKernel.shape[0], convKernel.shape[1], convKernel.shape[3]]);
    expect(conv!.shown).toBe(Math.min(64, convKernel.shape[3]!));
  });
});
