/**
 * The `sweeps` API as the Sweeps screen uses it, with real trainer
 * processes: a web client starts a sweep of an installed data set and sees
 * its trials on the `sweep` stream; it may not name a folder on the
 * engine's machine; a studio closed mid-sweep leaves it interrupted, and the
 * next studio on the home (the app or `serve`) resumes it, every trial
 * ending with exactly one run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SweepEvent, SweepRecord } from '../../../src/shared/sweeps';
import type { RunSummary } from '../../../src/shared/training';
import { dispatch } from '../../../src/main/dispatch';
import { createStudio, type Studio } from '../../../src/main/studio';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

const WEB = { shell: 'web', session: 'sweeps-test' } as const;
const SPEC = {
  dataset: 'mnist',
  base: { preset: 'mlp', epochs: 2, limit: 2000, logEvery: 50, hiddenUnits: 32 },
  seed: 5,
  vary: { lr: [0.0003, 0.001, 0.003], batchSize: [64, 128] },
} as const;

function finished(studio: Studio, sweepId: string): Promise<SweepRecord> {
  return new Promise((resolve) => {
    studio.events.on('sweep', (e: SweepEvent) => {
      if (e.kind === 'finished' && e.sweepId === sweepId && e.record.status === 'done') resolve(e.record);
    });
  });
}

describe('the sweeps API', () => {
  it('a web client starts a sweep, follows its trials on the stream and finds each trial’s run', { timeout: 300_000 }, async () => {
    const home = homeWithFixture('mnist', tmpDir());
    const studio = createStudio({ home, shell: 'web' });
    const trialEvents: SweepEvent[] = [];
    studio.events.on('sweep', (e) => trialEvents.push(e));
    try {
      const started = await dispatch(studio.handlers, 'sweeps:start', { spec: { ...SPEC, vary: { lr: [0.001, 0.003] } }, parallel: 2 }, WEB);
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const sweepId = (started as { value: { sweepId: string } }).value.sweepId;
      const record = await finished(studio, sweepId);
      expect(record.trials.map((t) => t.status)).toEqual(['done', 'done']);
      expect(trialEvents.filter((e) => e.kind === 'trial').length).toBeGreaterThanOrEqual(4);
      const got = await dispatch(studio.handlers, 'sweeps:get', { id: sweepId }, WEB);
      expect(got).toMatchObject({ ok: true, value: { status: 'done', best: expect.any(Number) } });
      const list = await dispatch(studio.handlers, 'sweeps:list', {}, WEB);
      expect(list).toMatchObject({ ok: true, value: [{ id: sweepId, finished: 2, trials: 2 }] });
      const runs = (await dispatch(studio.handlers, 'runs:list', {}, WEB)) as { ok: true; value: RunSummary[] };
      expect(runs.value.map((r) => r.id).sort()).toEqual(record.trials.map((t) => t.runId).sort());
      // A finished sweep cannot be resumed; deleting it keeps its runs.
      expect(await dispatch(studio.handlers, 'sweeps:resume', { id: sweepId }, WEB)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      expect(await dispatch(studio.handlers, 'sweeps:delete', { id: sweepId }, WEB)).toMatchObject({ ok: true });
      expect(((await dispatch(studio.handlers, 'runs:list', {}, WEB)) as { ok: true; value: RunSummary[] }).value).toHaveLength(2);
    } finally {
      await studio.close();
    }
  });

  it('refuses a folder path from a web client and a bad spec with the field named, recording nothing', async () => {
    const home = homeWithFixture('mnist', tmpDir());
    const studio = createStudio({ home, shell: 'web' });
    try {
      const withDir = await dispatch(studio.handlers, 'sweeps:start', { spec: { dataDir: '/etc', vary: { lr: [0.001] } } }, WEB);
      expect(withDir).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const bad = await dispatch(studio.handlers, 'sweeps:start', { spec: { dataset: 'mnist', vary: { lr: [0.001, -1] } } }, WEB);
      expect(bad).toMatchObject({ ok: false });
      expect(JSON.stringify(bad)).toMatch(/lr/);
      const unknown = await dispatch(studio.handlers, 'sweeps:start', { spec: { dataset: 'no-such-set', vary: { lr: [0.001] } } }, WEB);
      expect(unknown).toMatchObject({ ok: false });
      expect(fs.existsSync(path.join(home, 'sweeps')) ? fs.readdirSync(path.join(home, 'sweeps')).filter((n) => !n.startsWith('.')) : []).toEqual([]);
    } finally {
      await studio.close();
    }
  });

  it('a studio closed mid-sweep leaves it interrupted; the next one resumes it and every trial ends once', { timeout: 400_000 }, async () => {
    const home = homeWithFixture('mnist', tmpDir());
    const first = createStudio({ home, shell: 'web', resumeSweeps: true });
    const started = await dispatch(first.handlers, 'sweeps:start', { spec: SPEC, parallel: 2 }, WEB);
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const sweepId = (started as { value: { sweepId: string } }).value.sweepId;
    // Close once the first trial has finished and others are under way.
    await new Promise<void>((resolve) => first.events.on('sweep', (e) => e.kind === 'trial' && e.trial.status === 'done' && resolve()));
    await first.close();
    const cut = JSON.parse(fs.readFileSync(path.join(home, 'sweeps', sweepId, 'sweep.json'), 'utf8')) as SweepRecord;
    expect(cut.status).toBe('interrupted');
    const doneBefore = cut.trials.filter((t) => t.status === 'done').length;
    expect(doneBefore).toBeGreaterThanOrEqual(1);
    expect(doneBefore).toBeLessThan(6);

    // A one-off call (the CLI's studio) does not resume it …
    const oneOff = createStudio({ home, shell: 'web' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await dispatch(oneOff.handlers, 'sweeps:get', { id: sweepId }, WEB)).toMatchObject({ ok: true, value: { status: 'interrupted' } });
    await oneOff.close();

    // … the next app or `serve` does.
    const second = createStudio({ home, shell: 'web', resumeSweeps: true });
    try {
      const record = await finished(second, sweepId);
      expect(record.trials.map((t) => t.status)).toEqual(Array(6).fill('done'));
      const runs = (await dispatch(second.handlers, 'runs:list', {}, WEB)) as { ok: true; value: RunSummary[] };
      // Exactly one run per trial: the attempts cut off by the close are gone.
      expect(runs.value.map((r) => r.id).sort()).toEqual(record.trials.map((t) => t.runId).sort());
      expect(runs.value.every((r) => r.status === 'done')).toBe(true);
    } finally {
      await second.close();
    }
  });
});
