/**
 * Personal sets from the terminal: `datasets export ID --out F.zip`,
 * `import F.zip` in another home, `datasets list` marking it personal, and
 * `evaluate MODEL --dataset ID`, which the model then keeps as its
 * accuracy on that hand (`models show`/the Models table read it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../../../src/main/studio';
import type { DatasetSummary } from '../../../src/shared/datasets';
import type { ModelEntry } from '../../../src/shared/models';
import type { Evaluation } from '../../../src/shared/training';
import { drawnDigit } from '../../helpers/drawn-digits';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { runCli } from '../../helpers/project';
import { call } from '../../helpers/studio-home';
import { tmpDir } from '../../helpers/tmp';

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

describe('personal sets in the CLI', () => {
  it('exports a personal set, imports it elsewhere, evaluates a model on it with --dataset', async () => {
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    try {
      await call(studio, 'datasets:savePersonal', {
        id: 'my-hand',
        name: 'My hand',
        samples: [1, 2, 3].flatMap((seed) => Array.from({ length: 10 }, (_, d) => ({ label: d, strokes: drawnDigit(d, seed) }))),
      });
    } finally {
      await studio.close();
    }
    const zip = path.join(tmpDir(), 'hand.zip');
    const exported = await runCli(['datasets', 'export', 'my-hand', '--out', zip, '--home', home]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Exported my-hand \(30 drawings\) to .*hand\.zip/);
    const twice = await runCli(['datasets', 'export', 'my-hand', '--out', zip, '--home', home]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/hand\.zip: already exists/);
    const notPersonal = await runCli(['datasets', 'export', 'mnist', '--out', path.join(tmpDir(), 'x.zip'), '--home', home]);
    expect(notPersonal.code).not.toBe(0);
    expect(notPersonal.stderr).toMatch(/mnist: no such data set/);

    const other = tmpDir();
    const imported = await runCli(['import', zip, '--home', other]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^Imported personal set My hand as "hand": 30 drawings/);
    const list = await runCli(['datasets', 'list', '--json', '--home', other]);
    expect(JSON.parse(list.stdout) as DatasetSummary[]).toContainEqual(expect.objectContaining({ id: 'hand', personal: true, status: 'ready' }));
    const table = await runCli(['datasets', 'list', '--home', other]);
    expect(table.stdout).toMatch(/hand +My hand +ready +30 +30 .*personal/);

    // A model trained on digits, evaluated on the hand: the figure is kept with the model.
    const train = await runCli(['train', '--data-dir', mnistFixtureDir(), '--home', other, '--seed', '1', '--epochs', '1', '--limit', '3000', '--json'], { timeoutMs: 120_000 });
    expect(train.code, train.stderr).toBe(0);
    const { modelId } = lastJson<{ modelId: string }>(train.stdout);
    const ev = await runCli(['evaluate', modelId, '--dataset', 'hand', '--json', '--home', other], { timeoutMs: 120_000 });
    expect(ev.code, ev.stderr).toBe(0);
    const evaluation = lastJson<Evaluation>(ev.stdout);
    expect(evaluation.count).toBe(30);
    console.log(`an mlp (1 epoch, 3000 digits) on 30 drawn digits: ${(evaluation.accuracy * 100).toFixed(1)} %`);
    const models = JSON.parse((await runCli(['models', 'list', '--json', '--home', other])).stdout) as ModelEntry[];
    expect(models.find((m) => m.id === modelId)?.personalAccuracy).toEqual([
      { datasetId: 'hand', name: 'My hand', accuracy: evaluation.accuracy, count: 30, evaluatedAt: expect.any(String) },
    ]);
    const meta = JSON.parse(fs.readFileSync(path.join(other, 'models', modelId, 'metadata.json'), 'utf8')) as { personalAccuracy: Record<string, { accuracy: number }> };
    expect(meta.personalAccuracy.hand?.accuracy).toBe(evaluation.accuracy);
  }, 240_000);
});
