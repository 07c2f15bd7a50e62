import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import { TrainConfigInput, type TrainConfig } from '../../../src/shared/training';
import { deleteRun, failOrphanedRuns, listRuns, newRunRecord, readRun, runDir, saveRun } from '../../../src/main/training/runs-store';
import { StudioError } from '../../../src/shared/result';
import { tmpDir } from '../../helpers/tmp';

function config(model = presetSpec('mlp'), hyperparams = {}): TrainConfig {
  const parsed = TrainConfigInput.parse({ dataset: { id: 'mnist' }, model, hyperparams });
  return { ...parsed, hyperparams: { ...parsed.hyperparams, seed: 5 } };
}

describe('run summaries', () => {
  it('name the preset, the parameters and the settings of each run, derived from the config, so run.json stays as older runs wrote it', async () => {
    const home = tmpDir();
    await saveRun(home, newRunRecord('a', config(presetSpec('cnn', { activation: 'tanh' }), { batchSize: 32, learningRate: 0.01, optimizer: 'sgd' })));
    await saveRun(home, newRunRecord('b', config({ name: 'mine', layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'linear' }] })));
    const [b, a] = await listRuns(home);
    expect(a).toMatchObject({ id: 'a', modelName: 'cnn', preset: 'cnn', params: 61_706, hyperparams: { batchSize: 32, learningRate: 0.01, optimizer: 'sgd', seed: 5, epochs: 5 } });
    expect(b).toMatchObject({ id: 'b', modelName: 'mine', preset: null, params: 7_850 });
    const stored = JSON.parse(fs.readFileSync(path.join(runDir(home, 'a'), 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(stored)).not.toContain('hyperparams');
    expect(Object.keys(stored)).not.toContain('preset');
    expect(await readRun(home, 'a')).toMatchObject({ preset: 'cnn', hyperparams: { batchSize: 32 } });
  });

  it('call a network named like a preset but built otherwise custom', async () => {
    const home = tmpDir();
    const wider = presetSpec('mlp');
    wider.layers[1] = { type: 'dense', units: 256, activation: 'relu' };
    await saveRun(home, newRunRecord('w', config(wider)));
    expect((await listRuns(home))[0]).toMatchObject({ modelName: 'mlp', preset: null });
  });
});

describe('a damaged run folder', () => {
  const damages: [string, (run: Record<string, unknown>) => unknown, RegExp][] = [
    ['not JSON', () => '{"id": "x", ', /run\.json: not valid JSON/],
    ['a list', () => [1, 2], /run\.json: file: /],
    ['no config', (run) => ({ ...run, config: null }), /run\.json: config: /],
    ['a network that is not one', (run) => ({ ...run, config: { ...(run.config as object), model: { name: 'x', layers: 'dense' } } }), /run\.json: config\.model\.layers: /],
    ['an unknown status', (run) => ({ ...run, status: 'exploded' }), /run\.json: status: /],
    ['a huge reason', (run) => ({ ...run, reason: 'x'.repeat(30_000) }), /run\.json: reason: /],
  ];

  for (const [what, damage, error] of damages) {
    it(`(${what}) is refused by name when read, skipped in the list and by start-up, and can still be deleted`, async () => {
      const home = tmpDir();
      await saveRun(home, newRunRecord('good', config()));
      await saveRun(home, newRunRecord('bad', config(), 999_999_999));
      const file = path.join(runDir(home, 'bad'), 'run.json');
      const damaged = damage(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>);
      fs.writeFileSync(file, typeof damaged === 'string' ? damaged : JSON.stringify(damaged));
      const err = await readRun(home, 'bad').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StudioError);
      expect((err as StudioError).code).toBe('INTEGRITY');
      expect((err as StudioError).message.startsWith(file)).toBe(true);
      expect((err as StudioError).message).toMatch(error);
      expect((await listRuns(home)).map((r) => r.id)).toEqual(['good']);
      expect(await failOrphanedRuns(home, () => false)).toEqual([]);
      await deleteRun(home, 'bad');
      expect(fs.existsSync(runDir(home, 'bad'))).toBe(false);
    });
  }

  it('with metrics.json of the wrong shape is refused by name', async () => {
    const home = tmpDir();
    await saveRun(home, newRunRecord('m', config()));
    fs.writeFileSync(path.join(runDir(home, 'm'), 'metrics.json'), JSON.stringify({ batches: 5 }));
    await expect(readRun(home, 'm')).rejects.toThrow(/metrics\.json: batches: /);
  });
});

describe("a run's loss history", () => {
  it('keeps every batch loss in metrics.json and reads a run recorded before it (no `losses`) as it was', async () => {
    const home = tmpDir();
    const record = newRunRecord('l', config());
    record.metrics.losses = { every: 1, values: [2.3, 1.1, Number.NaN], lastCount: 1 };
    await saveRun(home, record);
    // NaN is written as null by JSON and read back as NaN.
    expect((await readRun(home, 'l')).metrics.losses?.values).toEqual([2.3, 1.1, Number.NaN]);
    fs.writeFileSync(path.join(runDir(home, 'l'), 'metrics.json'), JSON.stringify({ batches: [], epochs: [] }));
    expect((await readRun(home, 'l')).metrics).toEqual({ batches: [], epochs: [] });
    fs.writeFileSync(path.join(runDir(home, 'l'), 'metrics.json'), JSON.stringify({ batches: [], epochs: [], losses: { every: 2, values: [1], lastCount: 3 } }));
    await expect(readRun(home, 'l')).rejects.toThrow(/metrics\.json: losses: lastCount must be/);
  });
});
