import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../src/shared/models';
import type { RunSummary } from '../../../src/shared/training';
import { formatModelList } from '../../../src/main/cli/commands/models';
import { formatRunList } from '../../../src/main/cli/commands/runs';
import { datasetDisplayName } from '../../../src/shared/datasets';

/** A list row's cells: the table pads with two or more spaces. */
const rows = (text: string) => text.split('\n').map((line) => line.trim().split(/ {2,}/));

describe('one display name per data set in the CLI’s lists (issue 15, item 4)', () => {
  it('names a registry set by its registry name, an imported one by its own, a folder by its last part', () => {
    expect(datasetDisplayName('mnist', 'mnist')).toBe('MNIST');
    expect(datasetDisplayName('fashion-mnist')).toBe('Fashion-MNIST');
    expect(datasetDisplayName('digits-8k', 'Digits 8k')).toBe('Digits 8k');
    expect(datasetDisplayName('dir:/data/sets/my-digits/')).toBe('my-digits');
  });

  it('runs list and models list show those names', () => {
    const run = (id: string, datasetId: string): RunSummary =>
      ({ id, status: 'done', modelName: 'mlp', datasetId, epochsDone: 1, epochs: 1, testAccuracy: 0.9, durationMs: 1000, createdAt: '2026-12-04T10:00:00.000Z' }) as RunSummary;
    const list = rows(formatRunList([run('r1', 'mnist'), run('r2', 'fashion-mnist'), run('r3', 'dir:/data/sets/my-digits')]));
    expect(list.slice(1).map((r) => r[3])).toEqual(['MNIST', 'Fashion-MNIST', 'my-digits']);

    const model = (id: string, datasetId: string | null, datasetName: string | null): ModelEntry =>
      ({
        id,
        name: id,
        params: 10,
        datasetId,
        datasetName,
        testAccuracy: null,
        createdAt: '2026-12-04T10:00:00.000Z',
        source: 'imported',
        parentModelId: null,
        runId: null,
      }) as ModelEntry;
    const models = rows(formatModelList([model('m1', 'fashion-mnist', 'fashion'), model('m2', 'digits-8k', 'Digits 8k'), model('m3', null, null)]));
    expect(models.slice(1).map((r) => r[3])).toEqual(['Fashion-MNIST', 'Digits 8k', '–']);
  });
});
