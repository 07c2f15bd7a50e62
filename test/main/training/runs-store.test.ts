import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import { TrainConfigInput, type TrainConfig } from '../../../src/shared/training';
import { listRuns, newRunRecord, readRun, runDir, saveRun } from '../../../src/main/training/runs-store';
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
