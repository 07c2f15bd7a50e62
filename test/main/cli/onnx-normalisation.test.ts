import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportedModel } from '../../../src/shared/models';
import { snapshotTree } from '../../helpers/home-snapshot';
import { ONNX_FIXTURES, torchRecord, writeTorchSplit } from '../../helpers/onnx-fixtures';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const record = torchRecord();
const lenet = path.join(ONNX_FIXTURES, record.models.lenet!.files.torchscript);

describe('models import never guesses the normalisation (issue 16)', () => {
  it('refuses an .onnx that records none, with the accuracy under each choice; --normalisation mnist imports at PyTorch’s accuracy', { timeout: 240_000 }, async () => {
    const home = tmpDir();
    // The fixture script's test images, installed as "mnist": the data set the import scores on.
    writeTorchSplit(path.join(home, 'datasets', 'mnist'), record.split.testEvery);
    const before = snapshotTree(home);

    const refused = await runCli(['models', 'import', lenet, '--home', home]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${lenet}: the model records no input normalisation`);
    expect(refused.stderr).toContain('--normalisation');
    const scores = Object.fromEntries([...refused.stderr.matchAll(/\b(mnist|unit|raw) (\d+\.\d+) %/g)].map((m) => [m[1], Number(m[2])]));
    console.log(`refusal: ${refused.stderr.trim()}`);
    expect(Object.keys(scores).sort()).toEqual(['mnist', 'raw', 'unit']);
    expect(Math.abs(scores.mnist! - record.models.lenet!.accuracy * 100)).toBeLessThanOrEqual(0.1);
    // The right choice scores best; p/255 alone loses points (raw pixels, a scaled and shifted input, happen to suit this ReLU network almost as well).
    expect(scores.mnist).toBeGreaterThan(scores.unit! + 1);
    expect(scores.mnist).toBeGreaterThan(scores.raw);
    expect(snapshotTree(home)).toEqual(before);

    const bad = await runCli(['models', 'import', lenet, '--normalisation', 'tutorial', '--home', home]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--normalisation <how>' argument 'tutorial' is invalid\. must be mnist, unit, raw or MEAN,STD/);
    const badStd = await runCli(['models', 'import', lenet, '--normalisation', '0.1,3', '--home', home]);
    expect(badStd.code).toBe(2);
    expect(badStd.stderr).toMatch(/std must be a number above 0 and at most 1/);

    const done = await runCli(['models', 'import', lenet, '--normalisation', 'mnist', '--dataset', 'mnist', '--home', home]);
    expect(done.code, done.stderr).toBe(0);
    console.log(done.stdout.trim());
    expect(done.stdout).toMatch(/Imported "lenet-torchscript" as model/);
    expect(done.stdout).toMatch(/under each normalisation: mnist \d+\.\d+%, unit \d+\.\d+%, raw \d+\.\d+%/);

    const json = await runCli(['models', 'import', lenet, '--normalisation', '0.1307,0.3081', '--dataset', 'mnist', '--json', '--home', home]);
    expect(json.code, json.stderr).toBe(0);
    const m = JSON.parse(json.stdout) as ImportedModel;
    expect(Math.abs(m.testAccuracy! - record.models.lenet!.accuracy)).toBeLessThanOrEqual(0.001);
    expect(m.normalizationScores?.map((s) => s.choice)).toEqual(['mnist', 'unit', 'raw']);
  });
});
