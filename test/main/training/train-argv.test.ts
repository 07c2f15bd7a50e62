import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS } from '../../../src/shared/hyperparams';
import { guessTrainData, guessTrainThreads } from '../../../src/main/training/train-argv';

describe('what train’s prelaunched trainer guesses from its command line', () => {
  it('guesses the threads of the preset, batch size and --threads named, as the run gets them', () => {
    expect(guessTrainThreads(['train'], {})).toEqual({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '-1' });
    expect(guessTrainThreads(['--home', '/h', 'train', '--batch-size', '512'], {})).toEqual({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: undefined });
    expect(guessTrainThreads(['train', '--preset=cnn', '--threads', '2'], {})).toEqual({ TF_NUM_INTRAOP_THREADS: '2', TF_NUM_INTEROP_THREADS: undefined });
    // The environment counts as it does for the run.
    expect(guessTrainThreads(['train'], { TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '2' })).toEqual({ TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '2' });
  });

  it('does not guess where only the CLI can know the network, or a value is not one the run could have', () => {
    expect(guessTrainThreads(['train', '--model-spec', 'net.json'], {})).toBeNull();
    expect(guessTrainThreads(['train', '--from-model=abc'], {})).toBeNull();
    expect(guessTrainThreads(['train', '--preset', 'resnet'], {})).toBeNull();
    expect(guessTrainThreads(['train', '--batch-size', 'many'], {})).toBeNull();
    expect(guessTrainThreads(['train', '--threads'], {})).toBeNull();
  });

  it('guesses the data set to read: the home’s (--home, else the environment’s), mnist by default, or a folder', () => {
    const normalization = DEFAULT_HYPERPARAMS.normalization;
    expect(guessTrainData(['--home', '/h', 'train', '--dataset', 'fm'], {})).toEqual({ source: { home: '/h', id: 'fm' }, normalization });
    expect(guessTrainData(['train'], { MNIST_STUDIO_HOME: '/studio' })).toEqual({ source: { home: '/studio', id: 'mnist' }, normalization });
    expect(guessTrainData(['train', '--data-dir=data'], { MNIST_STUDIO_HOME: '/studio' })).toEqual({ source: { dir: path.resolve('data') }, normalization });
    expect(guessTrainData(['train', '--dataset'], {})).toBeNull();
  });
});
