import { beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../../src/shared/model-spec';
import type { RunRecord, RunSummary, TrainEvent } from '../../../src/shared/training';
import { dispatch } from '../../../src/main/dispatch';
import { createStudio } from '../../../src/main/studio';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

/** A studio home with the fixture installed as dataset `mnist`. */
function homeWithMnist(): string {
  return homeWithFixture('mnist', tmpDir());
}

describe('the train and runs API', () => {
  it('trains an installed dataset through dispatch, with the train stream at most ~10 events a second and no batch point lost', async () => {
    const home = homeWithMnist();
    const studio = createStudio({ home, shell: 'web' });
    const events: { at: number; event: TrainEvent }[] = [];
    studio.events.on('train', (event) => events.push({ at: performance.now(), event }));
    const started = await dispatch(
      studio.handlers,
      'train:start',
      {
        dataset: { id: 'mnist' },
        model: presetSpec('mlp'),
        hyperparams: { epochs: 2, batchSize: 32, logEvery: 1, limit: 4000, seed: 11 },
      },
      { shell: 'cli' },
    );
    expect(started).toMatchObject({ ok: true, value: { runId: expect.any(String) } });
    const runId = (started as { value: { runId: string } }).value.runId;
    expect(await dispatch(studio.handlers, 'train:start', { dataset: { id: 'mnist' }, model: presetSpec('mlp') }, { shell: 'cli' })).toMatchObject({
      ok: false,
      error: { code: 'BUSY' },
    });
    await new Promise<void>((resolve) => studio.events.on('train', (e) => e.kind === 'done' && resolve()));

    const got = await dispatch(studio.handlers, 'runs:get', { id: runId }, { shell: 'cli' });
    expect(got.ok).toBe(true);
    const record = (got as { value: RunRecord }).value;
    expect(record.metrics.batches).toHaveLength(2 * 125);
    const streamed = events.flatMap(({ event }) => (event.kind === 'batch' ? event.points : []));
    expect(streamed).toEqual(record.metrics.batches);
    // The throttled kinds: never more than one batch and one progress event per 100 ms window, give or take timer jitter.
    const throttled = events.filter(({ event }) => event.kind === 'batch' || event.kind === 'progress');
    const span = (throttled.at(-1)!.at - throttled[0]!.at) / 1000;
    expect(throttled.length).toBeLessThanOrEqual(2 * 10 * span + 6);
    expect(events.filter(({ event }) => event.kind === 'epoch')).toHaveLength(2);
    expect(events.at(-1)!.event).toMatchObject({ kind: 'done', status: 'done' });

    const list = await dispatch(studio.handlers, 'runs:list', {}, { shell: 'cli' });
    expect((list as { value: RunSummary[] }).value).toEqual([expect.objectContaining({ id: runId, status: 'done', datasetId: 'mnist', epochsDone: 2 })]);
    expect(await dispatch(studio.handlers, 'train:status', {}, { shell: 'cli' })).toEqual({
      ok: true,
      value: { runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 },
    });
    expect(await dispatch(studio.handlers, 'runs:delete', { id: runId }, { shell: 'cli' })).toEqual({ ok: true, value: { id: runId } });
    expect(await dispatch(studio.handlers, 'runs:get', { id: runId }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'id' } });
    await studio.close();
  });

  it('rejects bad input naming the field, and a folder dataset from a window', async () => {
    const studio = createStudio({ home: tmpDir(), shell: 'web' });
    const bad = async (input: unknown) => {
      const res = await dispatch(studio.handlers, 'train:start', input, { shell: 'cli' });
      return res.ok ? 'ok' : `${res.error.code} ${res.error.field}: ${res.error.message}`;
    };
    const mlp = presetSpec('mlp');
    expect(await bad({ dataset: { id: 'mnist' }, model: mlp, hyperparams: { batchSize: 0 } })).toBe(
      'INVALID_ARGUMENT hyperparams.batchSize: train:start: hyperparams.batchSize: must be a whole number from 1 to 8192',
    );
    expect(await bad({ dataset: { id: 'mnist' }, model: { layers: [{ type: 'dense', units: 10 }] } })).toBe(
      'INVALID_ARGUMENT model.layers.0: train:start: model.layers.0: layer 1 (dense): needs a flat input but gets [28, 28, 1]: put a flatten layer before it',
    );
    expect(await bad({ dataset: { dir: '/etc' }, model: mlp })).toMatch(/^INVALID_ARGUMENT dataset\.id: /);
    expect(await bad({ dataset: { id: '../../etc' }, model: mlp })).toMatch(/^INVALID_ARGUMENT dataset\.id: .*must be an id/);
    expect(await bad({ dataset: { id: 'mnist' }, model: mlp })).toMatch(/^NOT_FOUND dataset\.id: dataset "mnist" is not installed/);
    expect(await dispatch(studio.handlers, 'train:pause', { runId: 'nope' }, { shell: 'cli' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'runId' } });
    await studio.close();
  });
});
