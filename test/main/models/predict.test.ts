import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import type { Prediction } from '../../../src/shared/models';
import { ModelLibrary } from '../../../src/main/models/library';
import { ModelWorker } from '../../../src/main/models/worker';
import { loadTf } from '../../../src/main/native';
import { realDigits } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-predict-'));
const worker = new ModelWorker();
const library = new ModelLibrary(home, worker);
/** Test digits: real MNIST digits the model was not trained on. */
const FIRST = 9000;
const COUNT = 60;

beforeAll(async () => {
  requireBuiltTrainer();
  const model = await trainBriefly(tf, presetSpec('mlp'), 4000, 2);
  await saveToLibrary(tf, model, home, testMetadata('mlp', presetSpec('mlp')));
  model.dispose();
}, 120_000);

afterAll(() => {
  worker.close();
  fs.rmSync(home, { recursive: true, force: true });
});

function digit(i: number): Uint8Array<ArrayBuffer> {
  return realDigits().images.slice((FIRST + i) * 784, (FIRST + i + 1) * 784);
}

/** A w×h gray image (0 = black) as PNG bytes. */
function png(gray: Uint8Array, w: number, h: number): Uint8Array<ArrayBuffer> {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set([gray[i]!, gray[i]!, gray[i]!, 255], i * 4);
  return new Uint8Array(PNG.sync.write(img));
}

/** The digit drawn `scale` times larger at (x, y) on a w×h sheet; `paper` 255 makes it black ink on white. */
function onSheet(src: Uint8Array, scale: number, x: number, y: number, w: number, h: number, paper = 0): Uint8Array {
  const out = new Uint8Array(w * h).fill(paper);
  for (let sy = 0; sy < 28 * scale; sy++) {
    for (let sx = 0; sx < 28 * scale; sx++) {
      const v = src[Math.floor(sy / scale) * 28 + Math.floor(sx / scale)]!;
      out[(y + sy) * w + x + sx] = paper === 0 ? v : 255 - v;
    }
  }
  return out;
}

async function predict(image: Parameters<ModelLibrary['predict']>[1], preprocess = true): Promise<Prediction> {
  return library.predict('mlp', image, preprocess);
}

describe('prediction in the library worker', () => {
  it(
    'gives real MNIST digits rendered to PNG (as they are, shifted and scaled, black on white, JPEG, a transparent canvas) the class of their raw arrays',
    { timeout: 120_000 },
    async () => {
      const variants: Record<string, (d: Uint8Array) => Parameters<ModelLibrary['predict']>[1]> = {
        'png as is': (d) => ({ encoded: png(d, 28, 28) }),
        'shifted, 3× larger': (d) => ({ encoded: png(onSheet(d, 3, 17, 5, 140, 100), 140, 100) }),
        'black on white, 5× larger': (d) => ({ encoded: png(onSheet(d, 5, 60, 40, 300, 220, 255), 300, 220) }),
        'jpeg, 4× larger': (d) => {
          const gray = onSheet(d, 4, 10, 30, 160, 160, 255);
          const rgba = new Uint8Array(160 * 160 * 4);
          for (let i = 0; i < gray.length; i++) rgba.set([gray[i]!, gray[i]!, gray[i]!, 255], i * 4);
          return { encoded: new Uint8Array(jpeg.encode({ data: rgba, width: 160, height: 160 }, 95).data) };
        },
        'transparent canvas, ink as opacity': (d) => {
          const gray = onSheet(d, 2, 30, 8, 120, 80);
          const rgba = new Uint8Array(120 * 80 * 4);
          for (let i = 0; i < gray.length; i++) rgba.set([20, 20, 20, gray[i]!], i * 4);
          return { pixels: { width: 120, height: 80, channels: 4, data: rgba } };
        },
      };
      const agree: Record<string, number> = {};
      const rawClasses: number[] = [];
      let rawRight = 0;
      for (let i = 0; i < COUNT; i++) {
        const raw = await predict({ pixels: { width: 28, height: 28, channels: 1, data: digit(i) } }, false);
        rawClasses.push(raw.predicted);
        if (raw.predicted === realDigits().labels[FIRST + i]) rawRight++;
        expect(raw.input).toEqual(digit(i));
        expect(raw.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      for (const [name, make] of Object.entries(variants)) {
        agree[name] = 0;
        for (let i = 0; i < COUNT; i++) if ((await predict(make(digit(i)))).predicted === rawClasses[i]) agree[name]++;
      }
      console.log(
        `raw arrays: ${rawRight}/${COUNT} right; same class as the raw array: ${Object.entries(agree)
          .map(([k, v]) => `${k} ${v}/${COUNT}`)
          .join(', ')}`,
      );
      for (const [name, n] of Object.entries(agree)) expect(n, name).toBe(COUNT);
    },
  );
});

describe('prediction errors and the worker', () => {
  it('refuses what is not an image, an image too large to read (from its header alone) and an unknown model, and keeps serving', async () => {
    await expect(predict({ encoded: new TextEncoder().encode('hello') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'image: not a PNG or JPEG file' });
    // A PNG header claiming 100000×100000 pixels: refused before anything is inflated.
    const header = Buffer.from(png(new Uint8Array(4), 2, 2));
    header.writeUInt32BE(100_000, 16);
    header.writeUInt32BE(100_000, 20);
    await expect(predict({ encoded: new Uint8Array(header) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'image: the image is 100000×100000; at most 4096×4096 is read',
    });
    await expect(predict({ pixels: { width: 30, height: 28, channels: 1, data: new Uint8Array(30 * 28) } }, false)).rejects.toMatchObject({
      message: 'image: without preprocessing it must be 28×28, not 30×28',
    });
    await expect(library.predict('nope', { encoded: png(digit(0), 28, 28) }, true)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const file = path.join(tmpDir(), 'digit.png');
    fs.writeFileSync(file, png(digit(1), 28, 28));
    const fromFile = await predict({ path: file });
    expect(fromFile.predicted).toBe((await predict({ encoded: png(digit(1), 28, 28) })).predicted);

    // Warm: the worker has the model loaded; a drawn digit is classified in milliseconds.
    const started = performance.now();
    for (let i = 0; i < 20; i++) await predict({ encoded: png(onSheet(digit(i), 3, 10, 10, 120, 120, 255), 120, 120) });
    console.log(`warm prediction of a 120×120 PNG: ${((performance.now() - started) / 20).toFixed(1)} ms each`);
  });

  it('fails the calls of a worker that dies, and starts a new one for the next call', async () => {
    await predict({ encoded: png(digit(2), 28, 28) });
    const pid = worker.pid!;
    const pending = predict({ encoded: png(onSheet(digit(3), 20, 0, 0, 560, 560), 560, 560) });
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'NATIVE', message: expect.stringMatching(/^the trainer process was killed \(SIGKILL\) during the task/) });
    const again = await predict({ encoded: png(digit(2), 28, 28) });
    expect(worker.pid).not.toBe(pid);
    expect(again.probabilities).toHaveLength(10);
  });
});
