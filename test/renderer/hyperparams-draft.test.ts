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
