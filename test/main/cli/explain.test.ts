import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import { loadTf } from '../../../src/main/native';
import { realDigits } from '../../helpers/mnist-fixture';
import { saveToLibrary, testMetadata, trainBriefly } from '../../helpers/models';
import { runCli } from '../../helpers/project';
import { requireBuiltTrainer } from '../../helpers/training';

const tf = loadTf();
// Kept for the whole file (tmpDir's go after each test).
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-explain-cli-'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-explain-out-'));
const digitFile = path.join(work, 'digit.png');
let label = -1;

beforeAll(async () => {
  requireBuiltTrainer();
  const model = await trainBriefly(tf, presetSpec('cnn'), 3000, 1);
  await saveToLibrary(tf, model, home, testMetadata('cnn', presetSpec('cnn')));
  model.dispose();
  // A real test digit, 4× larger, black on white, as a user's scan would be.
  const digits = realDigits();
  const i = 9100;
  label = digits.labels[i]!;
  const img = new PNG({ width: 112, height: 112 });
  for (let y = 0; y < 112; y++) {
    for (let x = 0; x < 112; x++) {
      const v = 255 - digits.images[i * 784 + Math.floor(y / 4) * 28 + Math.floor(x / 4)]!;
      img.data.set([v, v, v, 255], (y * 112 + x) * 4);
    }
  }
  fs.writeFileSync(digitFile, PNG.sync.write(img));
}, 180_000);

afterAll(() => {
  for (const dir of [home, work]) fs.rmSync(dir, { recursive: true, force: true });
});

const readPng = (file: string) => PNG.sync.read(fs.readFileSync(file));

describe('mnist-studio explain', () => {
  it('writes every layer’s output, both saliency maps, the first layer and explain.json into a new folder', { timeout: 120_000 }, async () => {
    const out = path.join(work, 'inside');
    const started = performance.now();
    const res = await runCli(['explain', 'cnn', digitFile, '--out', out, '--home', home]);
    const wall = performance.now() - started;
    expect(res.code, res.stderr).toBe(0);
    console.log(`mnist-studio explain (cnn, a 112×112 PNG): ${wall.toFixed(0)} ms for the whole command; it said:\n${res.stdout}`);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'explain.json'), 'utf8')) as {
      prediction: { predicted: number; probabilities: number[]; input: number[] };
      layers: { name: string; kind: string; shape: number[]; file: string; values?: number[] }[];
      saliency: { classIndex: number; gradient: number[]; integrated: number[]; integratedSum: number; scoreDelta: number };
      firstLayer: { kind: string; shown: number; width: number; height: number; file: string } | null;
    };
    expect(json.prediction.predicted).toBe(label);
    expect(json.prediction.input).toHaveLength(784);
    expect(json.saliency.classIndex).toBe(label);
    expect(json.saliency.integrated).toHaveLength(784);
    expect(Math.abs(json.saliency.integratedSum - json.saliency.scoreDelta)).toBeLessThan(0.1 * Math.abs(json.saliency.scoreDelta) + 0.05);
    // conv → pool → conv → pool → flatten → dense ×3: the preset's layers, each with its file.
    expect(json.layers.map((l) => l.kind)).toEqual(['maps', 'maps', 'maps', 'maps', 'units', 'units', 'units', 'units']);
    expect(json.layers.map((l) => l.shape)).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10]]);
    for (const layer of json.layers) expect(fs.existsSync(path.join(out, layer.file))).toBe(true);
    const conv1 = readPng(path.join(out, json.layers[0]!.file));
    expect(conv1.width).toBeGreaterThan(28);
    expect(json.layers.at(-1)!.values).toHaveLength(10);
    const sal = readPng(path.join(out, 'saliency-integrated.png'));
    expect([sal.width, sal.height]).toEqual([224, 224]);
    // Red (positive evidence) somewhere on the overlay.
    let reddish = 0;
    for (let p = 0; p < sal.data.length; p += 4) if (sal.data[p]! > 150 && sal.data[p + 2]! < 100) reddish++;
    expect(reddish).toBeGreaterThan(0);
    expect(json.firstLayer).toMatchObject({ kind: 'conv', file: 'first-layer.png' });
    expect(fs.existsSync(path.join(out, 'first-layer.png'))).toBe(true);
    expect(fs.readdirSync(out).sort()).toEqual(
      ['explain.json', 'first-layer.png', 'input.png', 'saliency-gradient.png', 'saliency-integrated.png', ...json.layers.map((l) => l.file)].sort(),
    );
    expect(res.stdout).toMatch(/^Predicted: \d \([\d.]+%\); saliency of \d\n/);
  });

  it('--class, --json; refuses a folder that is not empty, a class out of range and a model that is not there, writing nothing', { timeout: 120_000 }, async () => {
    const out = path.join(work, 'why-not');
    const other = (label + 1) % 10;
    const res = await runCli(['explain', 'cnn', digitFile, '--out', out, '--class', String(other), '--json', '--home', home]);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as { saliency: { classIndex: number } }).saliency.classIndex).toBe(other);

    const again = await runCli(['explain', 'cnn', digitFile, '--out', out, '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--out ${out}: the folder is not empty`);

    const badClass = await runCli(['explain', 'cnn', digitFile, '--out', path.join(work, 'x'), '--class', '10', '--home', home]);
    expect(badClass.code).toBe(2);
    expect(badClass.stderr).toMatch(/--class.*must be a whole number from 0 to 9/);

    const missing = await runCli(['explain', 'nope', digitFile, '--out', path.join(work, 'y'), '--home', home]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
    const noImage = await runCli(['explain', 'cnn', path.join(work, 'none.png'), '--out', path.join(work, 'z'), '--home', home]);
    expect(noImage.stderr).toMatch(/none\.png: no such file/);
    for (const dir of ['x', 'y', 'z']) expect(fs.existsSync(path.join(work, dir))).toBe(false);
  });
});
