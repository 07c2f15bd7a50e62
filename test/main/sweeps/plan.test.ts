/** Sweep specs: what is refused and why, grid order, seeded random draws, and each trial's run configuration. */
import { describe, expect, it } from 'vitest';
import { SweepSpec } from '../../../src/shared/sweeps';
import { gridOf, planTrials, trialConfig } from '../../../src/main/sweeps/plan';

const ISSUE_EXAMPLE = {
  dataset: 'fashion-mnist',
  base: { preset: 'mlp', epochs: 2 },
  method: 'grid',
  metric: 'testAccuracy',
  vary: { lr: [0.0003, 0.001, 0.003], batchSize: [64, 256] },
};

const firstIssue = (input: unknown) => {
  const r = SweepSpec.safeParse(input);
  return r.success ? null : { path: r.error.issues[0]!.path.map(String).join('.'), message: r.error.issues[0]!.message };
};

describe('sweep specs', () => {
  it('takes the issue’s example and refuses what is wrong, naming the field', () => {
    expect(SweepSpec.parse(ISSUE_EXAMPLE)).toMatchObject({ method: 'grid', metric: 'testAccuracy', base: { preset: 'mlp', epochs: 2 } });
    expect(firstIssue({ ...ISSUE_EXAMPLE, dataset: undefined })).toEqual({ path: 'dataset', message: expect.stringMatching(/either dataset .* or dataDir/) });
    expect(firstIssue({ ...ISSUE_EXAMPLE, dataDir: '/x' })?.path).toBe('dataset');
    expect(firstIssue({ ...ISSUE_EXAMPLE, vary: { learningRate: [0.1] } })).toEqual({
      path: 'vary.learningRate',
      message: expect.stringMatching(/is not an option of train \(one of preset, .*lr/),
    });
    expect(firstIssue({ ...ISSUE_EXAMPLE, vary: { lr: [0.1, -1] } })).toEqual({ path: 'vary.lr.1', message: 'must be a number above 0 and at most 10' });
    expect(firstIssue({ ...ISSUE_EXAMPLE, vary: { lr: [] } })).toEqual({ path: 'vary.lr', message: 'must list at least one value' });
    expect(firstIssue({ ...ISSUE_EXAMPLE, vary: { epochs: [1, 2] } })).toEqual({ path: 'vary.epochs', message: 'is also set in base: give it in one place' });
    expect(firstIssue({ ...ISSUE_EXAMPLE, base: { lr: 'fast' } })?.path).toBe('base.lr');
    expect(firstIssue({ ...ISSUE_EXAMPLE, base: { earlyStop: 'val-loss' } })).toEqual({ path: 'base.earlyStop', message: expect.stringMatching(/MONITOR:PATIENCE/) });
    expect(firstIssue({ ...ISSUE_EXAMPLE, method: 'bayes' })).toEqual({ path: 'method', message: 'must be grid or random' });
    expect(firstIssue({ ...ISSUE_EXAMPLE, metric: 'accuracy' })?.path).toBe('metric');
    expect(firstIssue({ ...ISSUE_EXAMPLE, extra: 1 })?.path).toBe('');
    expect(firstIssue({ ...ISSUE_EXAMPLE, earlyTermination: { type: 'median', afterEpochs: 0 } })?.path).toBe('earlyTermination.afterEpochs');
  });

  it('lists the grid in order and draws a seeded random subset without repeats', () => {
    expect(gridOf({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
    const spec = SweepSpec.parse({ ...ISSUE_EXAMPLE, method: 'random', budget: 4 });
    const a = planTrials(spec, 7);
    expect(a).toHaveLength(4);
    expect(new Set(a.map((v) => JSON.stringify(v))).size).toBe(4);
    expect(planTrials(spec, 7)).toEqual(a);
    expect(planTrials(spec, 8)).not.toEqual(a);
    expect(planTrials(SweepSpec.parse({ ...ISSUE_EXAMPLE, budget: 2 }), 1)).toEqual([
      { lr: 0.0003, batchSize: 64 },
      { lr: 0.0003, batchSize: 256 },
    ]);
  });

  it('turns a trial into the run configuration train would build, hidden units and callbacks included', () => {
    const spec = SweepSpec.parse({
      ...ISSUE_EXAMPLE,
      base: { preset: 'mlp', epochs: 2, validationSplit: 0.1, earlyStop: 'val-loss:2', lrSchedule: 'step:1:0.5' },
      vary: { hiddenUnits: [32, [256, 32]] },
    });
    const config = trialConfig(spec, { hiddenUnits: [256, 32] }, 11);
    expect(config.dataset).toEqual({ id: 'fashion-mnist' });
    expect(config.model.layers.filter((l) => l.type === 'dense').map((l) => (l as { units: number }).units)).toEqual([256, 32, 10]);
    expect(config.hyperparams).toMatchObject({ epochs: 2, seed: 11, earlyStopping: { monitor: 'val-loss', patience: 2 }, lrSchedule: { type: 'step', every: 1, factor: 0.5 } });
    expect(
      trialConfig(spec, { hiddenUnits: 32 }, 11)
        .model.layers.filter((l) => l.type === 'dense')
        .map((l) => (l as { units: number }).units),
    ).toEqual([32, 32, 10]);
    expect(() => trialConfig(spec, { hiddenUnits: [1, 2, 3] }, 11)).toThrow(/mlp has 2 hidden dense layers, hiddenUnits gives 3/);
    expect(trialConfig(SweepSpec.parse({ ...ISSUE_EXAMPLE, base: { seed: 5 } }), { lr: 0.1, batchSize: 64 }, 11).hyperparams).toMatchObject({ seed: 5, learningRate: 0.1 });
  });
});
