/**
 * Fine-tuning on your own digits (issue 17) from the terminal: a model
 * trained on MNIST digits, then `train --from-model M --mix SET:SHARE
 * --holdout F` on MNIST mixed with a "personal" set whose digits are
 * written differently (real digits, each turned a quarter to the right).
 * The run records the held-out accuracy on that set and the test accuracy,
 * of the starting model and of the new one: the hand goes up, MNIST stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MixOutcome } from '../../../src/shared/mix';
import type { RunRecord } from '../../../src/shared/training';
import { idxImages, idxLabels, mnistFixtureDir, realDigits } from '../../helpers/mnist-fixture';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

/** Digits the fixture does not hold (it takes the first 6,000 + 2,000), each rotated 90° clockwise: one consistent, un-MNIST way of writing. */
function rotatedDigitsDir(count: number): string {
  const all = realDigits();
  const first = 8000;
  const images = new Uint8Array(count * 784);
  const labels = all.labels.slice(first, first + count);
  for (let k = 0; k < count; k++) {
    const src = all.images.subarray((first + k) * 784, (first + k + 1) * 784);
    for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) images[k * 784 + r * 28 + c] = src[(27 - c) * 28 + r]!;
  }
  const dir = tmpDir();
  // Like a personal set: its train and test files hold the same images.
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxImages(images, count));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(images, count));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(labels));
  return dir;
}

type MixJson = { dataset: string; share: number; holdout: number } & MixOutcome;
type TrainJson = { runId: string; modelId: string; testAccuracy: number; durationMs: number; mix: MixJson | null };

describe('train --mix: fine-tuning on your own digits', () => {
  it('raises the held-out accuracy on a differently written set while the MNIST test accuracy stays within a few points', { timeout: 300_000 }, async () => {
    const home = tmpDir();
    const fixture = mnistFixtureDir({ train: 6000, test: 2000 });
    const cli = (...args: string[]) => runCli([...args, '--home', home], { timeoutMs: 240_000 });

    const imported = await cli('import', rotatedDigitsDir(500), '--name', 'hand');
    expect(imported.code, imported.stderr).toBe(0);

    const base = await cli('train', '--data-dir', fixture, '--epochs', '3', '--seed', '1', '--json');
    expect(base.code, base.stderr).toBe(0);
    const parent = lastJson<TrainJson>(base.stdout);
    expect(parent.mix).toBeNull();

    const started = performance.now();
    const tuned = await cli('train', '--data-dir', fixture, '--from-model', parent.modelId, '--mix', 'hand:0.25', '--holdout', '0.3', '--epochs', '2', '--seed', '2', '--json');
    const seconds = (performance.now() - started) / 1000;
    expect(tuned.code, tuned.stderr).toBe(0);
    const run = lastJson<TrainJson>(tuned.stdout);
    const mix = run.mix!;
    expect(mix).toMatchObject({ dataset: 'hand', share: 0.25, holdout: 0.3, datasetId: 'hand', rowsPerBatch: 16 });
    // Held out per class (round(0.3 × its rows)), so about 150 of 500, never trained on.
    expect(mix.holdoutRows).toHaveLength(mix.holdoutCount);
    expect(mix.holdoutCount + mix.trainCount).toBe(500);
    expect(Math.abs(mix.holdoutCount - 150)).toBeLessThanOrEqual(5);
    expect(new Set(mix.holdoutRows).size).toBe(mix.holdoutCount);
    // The starting model's figures are the parent's own: its test accuracy is the one its run recorded.
    expect(mix.before!.testAccuracy).toBeCloseTo(parent.testAccuracy, 6);
    expect(mix.after.testAccuracy).toBe(run.testAccuracy);
    const [handBefore, handAfter] = [mix.before!.holdoutAccuracy!, mix.after.holdoutAccuracy!];
    const [mnistBefore, mnistAfter] = [mix.before!.testAccuracy, mix.after.testAccuracy];
    console.log(
      `held-out rotated digits (${mix.holdoutCount}): ${(handBefore * 100).toFixed(1)} % → ${(handAfter * 100).toFixed(1)} %; ` +
        `MNIST test (2000): ${(mnistBefore * 100).toFixed(2)} % → ${(mnistAfter * 100).toFixed(2)} %; fine-tuning run ${(run.durationMs / 1000).toFixed(1)} s (CLI ${seconds.toFixed(1)} s)`,
    );
    expect(handAfter - handBefore).toBeGreaterThan(0.3);
    expect(mnistBefore - mnistAfter).toBeLessThanOrEqual(0.03);

    // The record keeps it: runs show in text and JSON.
    const shown = await cli('runs', 'show', run.runId);
    expect(shown.stdout).toMatch(/^mix +hand: 25% of each batch \(16 rows\), 30% held out \(\d+ of 500 images\)$/m);
    expect(shown.stdout).toMatch(/^ +held out [\d.]+% → [\d.]+%, test [\d.]+% → [\d.]+% \(starting model → this run\)$/m);
    const record = lastJson<RunRecord>((await cli('runs', 'show', run.runId, '--json')).stdout);
    expect(record.config.hyperparams.mix).toEqual({ dataset: 'hand', share: 0.25, holdout: 0.3 });
    expect(record.mix).toMatchObject({ holdoutRows: mix.holdoutRows, before: mix.before, after: mix.after });

    // From scratch on the tfjs-layers path, same seed: the same rows are held out, there is no "before", the hand is learnt too.
    const layers = await cli('train', '--data-dir', fixture, '--mix', 'hand', '--epochs', '2', '--seed', '2', '--training-path', 'layers', '--json');
    expect(layers.code, layers.stderr).toBe(0);
    const scratch = lastJson<TrainJson>(layers.stdout).mix!;
    expect(scratch).toMatchObject({ share: 0.25, holdout: 0.3, before: null, holdoutRows: mix.holdoutRows });
    expect(scratch.after.holdoutAccuracy).toBeGreaterThan(handBefore + 0.2);
  });

  it('refuses bad --mix and --holdout values with exit 2, naming the flag, and writes nothing', { timeout: 120_000 }, async () => {
    const home = tmpDir();
    const fixture = mnistFixtureDir({ train: 6000, test: 2000 });
    const cases: [string[], RegExp][] = [
      [['--mix', 'hand:1.5'], /^error: --mix: must be a number above 0 and below 1/],
      [['--mix', 'hand:0'], /^error: --mix: must be a number above 0 and below 1/],
      [['--mix', 'hand:abc'], /^error: --mix: must be a number above 0 and below 1/],
      [['--mix', 'a:b:c'], /^error: option '--mix <dataset\[:share\]>' argument 'a:b:c' is invalid/],
      [['--mix', '../x'], /^error: --mix: must be the id of a data set/],
      [['--mix', 'hand', '--holdout', '1'], /^error: --holdout: must be a number from 0 to below 1/],
      [['--mix', 'hand', '--holdout', '-0.1'], /^error: --holdout: must be a number from 0 to below 1/],
      [['--mix', 'hand', '--holdout', 'lots'], /^error: option '--holdout <f>' argument 'lots' is invalid/],
      [['--holdout', '0.2'], /^error: --holdout: it is the share of the --mix set held out; give --mix DATASET too$/],
      [['--mix', 'hand', '--batch-size', '1'], /^error: --mix: mixing a data set into each batch needs a batch size of at least 2$/],
      [['--mix', 'nope'], /^error: --mix: the set to mix in: dataset "nope" is not installed/],
    ];
    for (const [args, error] of cases) {
      const res = await runCli(['train', '--data-dir', fixture, ...args, '--home', home]);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(
        res.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run mnist-studio --help')),
        args.join(' '),
      ).toEqual([expect.stringMatching(error)]);
      const runs = path.join(home, 'runs');
      expect(fs.existsSync(runs) ? fs.readdirSync(runs) : [], args.join(' ')).toEqual([]);
      expect(fs.existsSync(path.join(home, 'models')) ? fs.readdirSync(path.join(home, 'models')) : [], args.join(' ')).toEqual([]);
    }
  });
});
