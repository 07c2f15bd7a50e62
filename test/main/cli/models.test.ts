import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-node';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelDetails, ModelEntry } from '../../../src/shared/models';
import type { Evaluation, RunRecord } from '../../../src/shared/training';
import { loadTf } from '../../../src/main/native';
import { mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { digitTensor } from '../../helpers/models';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';
import { openOnnx, ort } from '../../helpers/onnx-runtime';

beforeAll(requireBuiltTrainer);

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

describe('mnist-studio models, evaluate, predict and reproduce, as a user runs them', () => {
  it('trains, lists, shows, renames, exports every format, imports back, evaluates, predicts a PNG and reproduces', { timeout: 240_000 }, async () => {
    const home = tmpDir();
    const out = tmpDir();
    const fixture = mnistFixtureDir();
    const timings: string[] = [];
    const studio = async (...args: string[]) => {
      const started = performance.now();
      const res = await runCli([...args, '--home', home]);
      timings.push(`${args.slice(0, 2).join(' ')} ${((performance.now() - started) / 1000).toFixed(1)}s`);
      return res;
    };

    const trained = await studio('train', '--data-dir', fixture, '--epochs', '1', '--limit', '2000', '--seed', '3', '--log-every', '8', '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const { modelId, runId, testAccuracy } = lastJson<{ modelId: string; runId: string; testAccuracy: number }>(trained.stdout);

    const list = await studio('models', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(
        `^ID +NAME +PARAMS +DATASET +TEST ACC +CREATED +SOURCE\\n${modelId} +mlp · \\S+ +109,386 +\\S+ +${(testAccuracy * 100).toFixed(2)}% +[\\d-]+ [\\d:]+ +run ${runId}\\n$`,
      ),
    );
    const show = await studio('models', 'show', modelId);
    expect(show.stdout).toContain('network    mlp: flatten → dense 128 relu → dense 64 relu → dense 10; 109,386 parameters');
    expect(show.stdout).toMatch(/^4 +dense +\[10\] +650$/m);
    const renamed = await studio('models', 'rename', modelId, 'my first model', '--json');
    expect(lastJson<ModelEntry>(renamed.stdout)).toMatchObject({ id: modelId, name: 'my first model' });

    // Every format; an existing path is refused without --force.
    const paths = { tfjs: path.join(out, 'tfjs'), zip: path.join(out, 'model.zip'), onnx: path.join(out, 'model.onnx'), bundle: path.join(out, 'bundle.zip') };
    for (const [format, file] of [
      ['tfjs', paths.tfjs],
      ['tfjs', paths.zip],
      ['onnx', paths.onnx],
      ['bundle', paths.bundle],
    ] as const) {
      const res = await studio('models', 'export', modelId, '--format', format, '--out', file);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Exported model ${modelId} \\((tfjs|tfjs-zip|onnx|bundle)\\) to ${file.replace(/[.]/g, '\\.')} \\([\\d.]+ kB\\)\\.\\n$`));
    }
    const again = await studio('models', 'export', modelId, '--format', 'onnx', '--out', paths.onnx);
    expect(again).toMatchObject({ code: 1, stderr: `error: ${paths.onnx} already exists (--force or overwrite: true replaces it)\n` });

    // The CLI-trained model in onnxruntime: the parity the issue asks for.
    const tf = loadTf();
    const model = await tf.loadLayersModel(`file://${path.join(paths.tfjs, 'model.json')}`);
    const x = digitTensor(tf, 9000, 200);
    const session = await openOnnx(paths.onnx);
    const onnx = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.dataSync()), [200, 28, 28, 1]) })).probabilities!.data as Float32Array;
    const probsT = tf.softmax(model.predict(x) as Tensor);
    const probs = probsT.dataSync();
    let max = 0;
    for (let i = 0; i < probs.length; i++) max = Math.max(max, Math.abs(probs[i]! - onnx[i]!));
    expect(max).toBeLessThanOrEqual(1e-4);
    for (const t of [x, probsT]) t.dispose();
    model.dispose();

    const imported = await studio('models', 'import', paths.zip, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const importedId = lastJson<ModelEntry>(imported.stdout).id;
    const shown = lastJson<ModelDetails>((await studio('models', 'show', importedId, '--json')).stdout);
    // The original is still in the home under that name: the import is told apart by a suffix.
    expect(shown).toMatchObject({ source: 'imported', name: 'my first model (2)', metadata: { normalization: { mean: 0.1307, std: 0.3081 }, importedFrom: paths.zip } });

    // The original on the data it was trained on (the default), and the imported copy on the same folder: the run's figures.
    const run = lastJson<RunRecord>((await studio('runs', 'show', runId, '--json')).stdout);
    const evalOriginal = await studio('evaluate', modelId, '--json');
    expect(evalOriginal.code, evalOriginal.stderr).toBe(0);
    expect(lastJson<Evaluation>(evalOriginal.stdout).confusion).toEqual(run.evaluation!.confusion);
    const evalImported = await studio('evaluate', importedId, '--data-dir', fixture);
    expect(evalImported.stdout.split('\n')[0]).toBe(
      `Model ${importedId} on ${fixture}: test accuracy ${(testAccuracy * 100).toFixed(2)}% (loss ${run.evaluation!.loss.toFixed(4)}) on 2,000 test images`,
    );
    expect(evalImported.stdout).toMatch(/^confusion \(rows: label, columns: predicted\)$/m);

    // A real digit drawn black on white, three times larger, off-centre.
    const digits = realDigits();
    const k = 9003;
    const png = new PNG({ width: 120, height: 100 });
    png.data.fill(255);
    for (let y = 0; y < 84; y++) {
      for (let x2 = 0; x2 < 84; x2++) {
        const v = 255 - digits.images[k * 784 + Math.floor(y / 3) * 28 + Math.floor(x2 / 3)]!;
        png.data.set([v, v, v, 255], ((y + 8) * 120 + x2 + 30) * 4);
      }
    }
    const pngFile = path.join(out, 'digit.png');
    fs.writeFileSync(pngFile, PNG.sync.write(png));
    const predicted = await studio('predict', modelId, pngFile);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stdout).toMatch(/^Predicted: \d \(\d+\.\d%\)\n/);
    expect(predicted.stdout).toContain('what the model saw (28×28):');
    const json = lastJson<{ predicted: number; probabilities: number[]; input: number[] }>((await studio('predict', modelId, pngFile, '--json')).stdout);
    expect(json.probabilities).toHaveLength(10);
    expect(json.input).toHaveLength(784);
    expect(predicted.stdout.startsWith(`Predicted: ${json.predicted} `)).toBe(true);

    const reproduced = await studio('reproduce', paths.bundle);
    expect(reproduced.code, reproduced.stderr).toBe(0);
    expect(reproduced.stdout).toMatch(/^loss curve +4 points recorded, 4 reproduced; max \|Δ\| 0\.00e\+0, mean \|Δ\| 0\.00e\+0 \(identical\)$/m);
    expect(reproduced.stdout).toMatch(/^weights +the same bytes$/m);
    expect(reproduced.stdout.trim().split('\n').at(-1)).toBe('Identical: same machine and seed give the same losses, test figures and weights, bit for bit.');

    // Fine-tuning from the terminal: a new run from the saved model, its network and normalisation kept.
    const tuned = await studio('train', '--data-dir', fixture, '--from-model', modelId, '--epochs', '1', '--limit', '500', '--lr', '0.0003', '--json');
    expect(tuned.code, tuned.stderr).toBe(0);
    const child = lastJson<{ modelId: string; runId: string }>(tuned.stdout);
    expect(lastJson<RunRecord>((await studio('runs', 'show', child.runId, '--json')).stdout)).toMatchObject({
      parentModelId: modelId,
      config: { fromModel: modelId, model: { name: 'mlp' } },
    });
    expect(lastJson<ModelDetails>((await studio('models', 'show', child.modelId, '--json')).stdout)).toMatchObject({ parentModelId: modelId });

    console.log(timings.join(', '));
    expect(await studio('models', 'delete', importedId)).toMatchObject({ code: 0, stdout: `Deleted model ${importedId}.\n` });
    expect(lastJson<ModelEntry[]>((await studio('models', 'list', '--json')).stdout).map((m) => m.id)).not.toContain(importedId);
  });

  it('says what is wrong in one line with exit 1 (a failure) or 2 (bad usage)', async () => {
    const home = tmpDir();
    const cases: [string[], number, RegExp][] = [
      [['models', 'show', 'nope'], 1, /^error: no model nope in .*models$/],
      [['models', 'show', '../x'], 2, /^error: model id: must be an id/],
      [['models', 'rename', 'nope', ''], 2, /^error: name: must be a name of 1 to 100 characters$/],
      [['models', 'export', 'nope', '--format', 'pdf', '--out', 'x'], 2, /^error: option '--format <format>' argument 'pdf' is invalid/],
      [['models', 'import', path.join(home, 'missing')], 1, /^error: .*missing: no such file or folder$/],
      [['models', 'import', path.join(home, 'missing'), '--mean', 'abc', '--std', '1'], 2, /^error: option '--mean <x>' argument 'abc' is invalid\. must be a number$/],
      [['evaluate', 'nope', '--dataset', 'mnist', '--data-dir', home], 2, /^error: --dataset: give --dataset or --data-dir, not both$/],
      [['predict', 'nope', path.join(home, 'digit.png')], 1, /^error: no model nope in /],
      [['evaluate', 'nope'], 1, /^error: no model nope in /],
      [['reproduce', path.join(home, 'missing.zip')], 1, /^error: .*missing\.zip: not a readable \.zip/],
      [['train', '--data-dir', home, '--from-model', 'nope'], 2, /^error: --from-model: no model nope in .*models$/],
      [['train', '--data-dir', home, '--from-model', 'nope', '--preset', 'cnn'], 2, /^error: --from-model keeps the saved model’s network: leave out --preset/],
    ];
    for (const [args, code, error] of cases) {
      const res = await runCli([...args, '--home', home]);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(code);
      // Commander adds its usage hint under a usage error of its own.
      expect(
        res.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run mnist-studio --help')),
        args.join(' '),
      ).toEqual([expect.stringMatching(error)]);
    }
  });
});
