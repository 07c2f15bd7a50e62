import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, Hyperparams } from '../../src/shared/hyperparams';

describe('hyperparameters', () => {
  it('default to the seed tutorial’s configuration', () => {
    expect(DEFAULT_HYPERPARAMS).toEqual({
      epochs: 5,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      loss: 'cross-entropy',
      validationSplit: 0,
      logEvery: 100,
      normalization: { mean: 0.1307, std: 0.3081 },
    });
  });

  it('reject every out-of-range value with a message saying what is valid', () => {
    const message = (input: unknown) => {
      const issue = Hyperparams.safeParse(input).error!.issues[0]!;
      return `${issue.path.join('.')}: ${issue.message}`;
    };
    expect(message({ epochs: 0 })).toBe('epochs: must be a whole number from 1 to 1000');
    expect(message({ epochs: 2.5 })).toBe('epochs: must be a whole number from 1 to 1000');
    expect(message({ batchSize: 10_000 })).toBe('batchSize: must be a whole number from 1 to 8192');
    expect(message({ learningRate: 0 })).toBe('learningRate: must be a number above 0 and at most 10');
    expect(message({ learningRate: 'fast' })).toBe('learningRate: must be a number above 0 and at most 10');
    expect(message({ optimizer: 'adagrad' })).toBe('optimizer: must be one of sgd, momentum, adam, rmsprop');
    expect(message({ loss: 'hinge' })).toBe('loss: must be one of cross-entropy, mse');
    expect(message({ validationSplit: 0.9 })).toBe('validationSplit: must be a number from 0 to 0.5');
    expect(message({ seed: -1 })).toBe('seed: must be a whole number from 0 to 2147483647');
    expect(message({ limit: 0 })).toBe('limit: must be a whole number from 1 to 10000000');
    expect(message({ logEvery: 0 })).toBe('logEvery: must be a whole number from 1 to 1000000');
    expect(message({ normalization: { mean: 0.5, std: 0 } })).toBe('normalization.std: must be a number above 0 and at most 1');
    expect(message({ epoch: 3 })).toMatch(/Unrecognized key: "epoch"/);
  });
});
