import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, Hyperparams } from '../../src/shared/hyperparams';
import { checkHyperparams, DEFAULT_DRAFT, draftFromHyperparams, type HyperparamsDraft } from '../../src/renderer/src/stores/hyperparams-draft';

const typed = (numbers: Partial<HyperparamsDraft['numbers']>): HyperparamsDraft => ({ ...DEFAULT_DRAFT, numbers: { ...DEFAULT_DRAFT.numbers, ...numbers } });

describe('the hyperparameters as typed', () => {
  it('start from the seed’s settings, with no limit and no seed', () => {
    expect(DEFAULT_DRAFT.numbers).toEqual({ epochs: '5', batchSize: '64', learningRate: '0.001', validationSplit: '0', limit: '', seed: '', logEvery: '100' });
    const { value, invalid } = checkHyperparams(DEFAULT_DRAFT);
    expect(invalid).toEqual([]);
    const { normalization: _normalization, ...defaults } = DEFAULT_HYPERPARAMS;
    expect(value).toEqual(defaults);
    // What is sent and saved passes the contract's own schema.
    expect(Hyperparams.parse(value)).toEqual(DEFAULT_HYPERPARAMS);
  });

  it('read numbers as written, with an empty limit or seed meaning none', () => {
    const { value } = checkHyperparams({ ...typed({ epochs: ' 3 ', learningRate: '1e-2', limit: '2000', seed: '0', validationSplit: '.1' }), optimizer: 'sgd', loss: 'mse' });
    expect(value).toMatchObject({ epochs: 3, learningRate: 0.01, limit: 2000, seed: 0, validationSplit: 0.1, optimizer: 'sgd', loss: 'mse' });
  });

  it('refuse each field out of its range, not a whole number, not a number, or a required one left empty', () => {
    const cases: [Partial<HyperparamsDraft['numbers']>, string[]][] = [
      [{ epochs: '0' }, ['epochs']],
      [{ epochs: '1001' }, ['epochs']],
      [{ batchSize: '2.5' }, ['batchSize']],
      [{ batchSize: '' }, ['batchSize']],
      [{ learningRate: '0' }, ['learningRate']],
      [{ learningRate: 'fast' }, ['learningRate']],
      [{ validationSplit: '0.6' }, ['validationSplit']],
      [{ limit: '0' }, ['limit']],
      [{ seed: '-1' }, ['seed']],
      [{ seed: '2147483648' }, ['seed']],
      [{ logEvery: '0', epochs: 'x' }, ['epochs', 'logEvery']],
    ];
    for (const [numbers, invalid] of cases) {
      const check = checkHyperparams(typed(numbers));
      expect(check.value, JSON.stringify(numbers)).toBeNull();
      expect(check.invalid.sort(), JSON.stringify(numbers)).toEqual(invalid);
    }
  });

  it('show stored settings as they were saved', () => {
    const stored = Hyperparams.parse({ epochs: 12, limit: 500, seed: 42, learningRate: 0.0005, optimizer: 'rmsprop' });
    const draft = draftFromHyperparams(stored);
    expect(draft.numbers).toMatchObject({ epochs: '12', limit: '500', seed: '42', learningRate: '0.0005' });
    expect(draft.optimizer).toBe('rmsprop');
    expect(checkHyperparams(draft).value).toMatchObject({ epochs: 12, limit: 500, seed: 42, learningRate: 0.0005, optimizer: 'rmsprop' });
  });
});

describe('the callbacks as typed', () => {
  const withCallbacks = (callbacks: Partial<HyperparamsDraft['callbacks']>, split = '0.1'): HyperparamsDraft => ({
    ...typed({ validationSplit: split }),
    callbacks: { ...DEFAULT_DRAFT.callbacks, ...callbacks },
  });

  it('send nothing while off, and early stopping, restore-best and a schedule when chosen', () => {
    expect(checkHyperparams(DEFAULT_DRAFT).value).not.toHaveProperty('earlyStopping');
    const { value, invalid } = checkHyperparams(withCallbacks({ earlyStop: 'val-accuracy', patience: '2', restoreBest: true, lrSchedule: 'step' }));
    expect(invalid).toEqual([]);
    expect(value).toMatchObject({ earlyStopping: { monitor: 'val-accuracy', patience: 2 }, restoreBest: true, lrSchedule: { type: 'step', every: 2, factor: 0.5 } });
    // Read back as the form shows them.
    expect(draftFromHyperparams(Hyperparams.parse(value)).callbacks).toEqual({ earlyStop: 'val-accuracy', patience: '2', restoreBest: true, lrSchedule: 'step' });
  });

  it('point at the callbacks when they watch a validation set there is not, and at a patience that is not a whole number', () => {
    for (const cb of [{ earlyStop: 'val-loss' as const }, { restoreBest: true }, { lrSchedule: 'plateau' as const }]) {
      expect(checkHyperparams(withCallbacks(cb, '0'))).toMatchObject({ value: null, invalid: ['callbacks'] });
    }
    // A schedule that needs no validation set is fine without one.
    expect(checkHyperparams(withCallbacks({ lrSchedule: 'cosine' }, '0')).value).toMatchObject({ lrSchedule: { type: 'cosine' } });
    expect(checkHyperparams(withCallbacks({ earlyStop: 'val-loss', patience: 'two' }))).toMatchObject({ value: null, invalid: ['callbacks'] });
  });
});
