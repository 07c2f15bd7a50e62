import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import type { ModelDetails, ModelEntry } from '../../../src/shared/models';
import type { Result } from '../../../src/shared/result';
import type { Evaluation, RunRecord, TrainEvent } from '../../../src/shared/training';
import { dispatch } from '../../../src/main/dispatch';
import { reproduce } from '../../../src/main/models/reproduce';
import { createStudio, type Studio } from '../../../src/main/studio';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

function value<T>(result: Result<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** Starts a run through the API and waits for its end. */
async function train(studio: Studio, input: Record<string, unknown>): Promise<RunRecord> {
  const done = new Promise<TrainEvent>((resolve) => {
    const off = studio.events.on('train', (event) => {
      if (event.kind === 'done' || event.kind === 'failed') {
        off();
        resolve(event);
      }
    });
  });
  const { runId } = value<{ runId: string }>(await dispatch(studio.handlers, 'train:start', input, { shell: 'cli' }));
  expect(await done).toMatchObject({ kind: 'done' });
  return value<RunRecord>(await dispatch(studio.handlers, 'runs:get', { id: runId }, { shell: 'cli' }));
}

describe('the models API', () => {
  it('lists a trained model, evaluates it to the evaluation its run ended with, fine-tunes it into a child, renames and deletes', { timeout: 180_000 }, async () => {
    const home = homeWithFixture('digits', tmpDir());
    const studio = createStudio({ home, shell: 'web' });
    try {
      const hp = { epochs: 1, limit: 1000, logEvery: 1, seed: 5 };
      const run = await train(studio, { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: hp });
      const modelId = run.modelId!;

      const list = value<ModelEntry[]>(await dispatch(studio.handlers, 'models:list', {}, { shell: 'cli' }));
      expect(list).toEqual([
        expect.objectContaining({
          id: modelId,
          runId: run.id,
          parentModelId: null,
          source: 'trained',
          params: 109_386,
          datasetId: 'digits',
          testAccuracy: run.testAccuracy,
          architecture: 'flatten → dense 128 relu → dense 64 relu → dense 10',
        }),
      ]);
      const details = value<ModelDetails>(await dispatch(studio.handlers, 'models:get', { id: modelId }, { shell: 'cli' }));
      expect(details.summary.layers.map((l) => l.outputShape)).toEqual([[784], [128], [64], [10]]);

      // In the worker process, on the same data: what the trainer reported. The mean loss may differ in its last
      // bits (the trainer of a dense network runs TensorFlow on one thread, the worker on all: another summation order).
      const evaluation = value<Evaluation>(await dispatch(studio.handlers, 'models:evaluate', { id: modelId, dataset: { id: 'digits' } }, { shell: 'cli' }));
      expect(evaluation).toEqual({ ...run.evaluation, loss: expect.closeTo(run.evaluation!.loss, 6) });

      // Fine-tuning: the network comes from the parent; training starts from its weights, not from scratch.
      const child = await train(studio, { dataset: { id: 'digits' }, fromModel: modelId, hyperparams: { ...hp, seed: 6, learningRate: 0.0005 } });
      expect(child).toMatchObject({ parentModelId: modelId, config: { fromModel: modelId, model: presetSpec('mlp') } });
      const firstLoss = (r: RunRecord) => r.metrics.batches[0]!.loss;
      expect(firstLoss(run)).toBeGreaterThan(1.8);
      expect(firstLoss(child)).toBeLessThan(1.2);
      const childEntry = value<ModelDetails>(await dispatch(studio.handlers, 'models:get', { id: child.modelId! }, { shell: 'cli' }));
      expect(childEntry).toMatchObject({ parentModelId: modelId, runId: child.id, name: expect.stringMatching(/fine-tuned$/) });
      expect(childEntry.metadata.normalization).toEqual(details.metadata.normalization);

      expect(await dispatch(studio.handlers, 'train:start', { dataset: { id: 'digits' }, fromModel: modelId, model: presetSpec('cnn') }, { shell: 'cli' })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', field: 'model', message: expect.stringMatching(/^fine-tuning keeps the network: model \S+ is flatten → dense 128/) },
      });
      expect(await dispatch(studio.handlers, 'train:start', { dataset: { id: 'digits' }, fromModel: 'nope', model: presetSpec('mlp') }, { shell: 'cli' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND', field: 'fromModel' },
      });
      expect(await dispatch(studio.handlers, 'train:start', { dataset: { id: 'digits' } }, { shell: 'cli' })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', field: 'model' },
      });

      // A bundle of the child carries its parent; reproduced in a home without either, it adds the parent and repeats the run exactly.
      const bundle = path.join(tmpDir(), 'child.zip');
      value(await dispatch(studio.handlers, 'models:export', { id: child.modelId!, format: 'bundle', path: bundle }, { shell: 'cli' }));
      const elsewhere = tmpDir();
      let added: string | null = null;
      const report = await reproduce({ home: elsewhere, bundle, dataDir: mnistFixtureDir(), onStart: (info) => (added = info.addedParent) });
      expect(added).toBe(modelId);
      expect(report).toMatchObject({ identical: true, weightsIdentical: true, environmentDifferences: [], lossCurve: { recorded: 16, reproduced: 16, maxAbsDiff: 0 } });

      const renamed = value<ModelEntry>(await dispatch(studio.handlers, 'models:rename', { id: modelId, name: '  seed 5 mlp ' }, { shell: 'cli' }));
      expect(renamed).toMatchObject({ id: modelId, name: 'seed 5 mlp' });
      expect(JSON.parse(fs.readFileSync(path.join(home, 'models', modelId, 'metadata.json'), 'utf8'))).toMatchObject({ name: 'seed 5 mlp', id: modelId });
      expect(await dispatch(studio.handlers, 'models:rename', { id: modelId, name: 'a\nb' }, { shell: 'cli' })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', field: 'name' },
      });
      expect(value(await dispatch(studio.handlers, 'models:delete', { id: modelId }, { shell: 'cli' }))).toEqual({ id: modelId });
      expect(fs.readdirSync(path.join(home, 'models'))).toEqual([child.modelId]);
      expect(await dispatch(studio.handlers, 'models:get', { id: modelId }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'id' } });
      expect(await dispatch(studio.handlers, 'models:delete', { id: modelId }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await dispatch(studio.handlers, 'models:export', { id: child.modelId!, format: 'bundle', path: path.join(tmpDir(), 'again.zip') }, { shell: 'cli' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND', message: expect.stringMatching(/was fine-tuned from \S+, which is no longer in the library/) },
      });
    } finally {
      await studio.close();
    }
  });
});
