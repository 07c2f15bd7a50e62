/**
 * What `train`'s prelaunched trainer guesses from the command line before
 * the CLI has parsed it (the CLI sends it in PRELAUNCH_ARGV_ENV): the thread
 * variables of its run, so TensorFlow can load at once, and the data set to
 * read ahead. Each guess is checked against the real job later: a trainer
 * that guessed other threads is not used, and data read for another data
 * set is dropped.
 */
import { DEFAULT_HYPERPARAMS, Hyperparams } from '@shared/hyperparams';
import { PRESETS, presetSpec, type Preset } from '@shared/model-spec';
import type { DatasetRef, TrainConfig } from '@shared/training';
import path from 'node:path';
import { resolveHome } from '../home';
import { datasetSource, type DatasetSource } from '../datasets/load';
import { trainerEnv } from './threads';

/**
 * The values of `flags` on a command line (`--flag value` or `--flag=value`,
 * the last one winning); null if one has no value, or a flag of `refuse`
 * is there.
 */
function flagValues(argv: readonly string[], flags: ReadonlySet<string>, refuse: ReadonlySet<string> = new Set()): Map<string, string> | null {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (refuse.has(flag)) return null;
    if (!flags.has(flag)) continue;
    const value = inline ?? argv[++i];
    if (value === undefined) return null;
    values.set(flag, value);
  }
  return values;
}

/**
 * The thread variables the run will get: the network from `--preset`
 * (default mlp), `--batch-size` and `--threads`, and the environment. Null
 * when the line names a spec file or a parent model (whose network only the
 * CLI reads), or a value the guess cannot read.
 */
export function guessTrainThreads(argv: readonly string[], base: NodeJS.ProcessEnv): NodeJS.ProcessEnv | null {
  const values = flagValues(argv, new Set(['--preset', '--batch-size', '--threads']), new Set(['--model-spec', '--from-model']));
  if (!values) return null;
  const preset = values.get('--preset') ?? 'mlp';
  if (!(PRESETS as readonly string[]).includes(preset)) return null;
  const hyperparams = Hyperparams.safeParse({
    ...(values.has('--batch-size') ? { batchSize: Number(values.get('--batch-size')) } : {}),
    ...(values.has('--threads') ? { threads: Number(values.get('--threads')) } : {}),
  });
  if (!hyperparams.success) return null;
  const config: TrainConfig = { dataset: { dir: '.' }, model: presetSpec(preset as Preset), hyperparams: { ...hyperparams.data, seed: 0 } };
  const env = trainerEnv(base, config);
  return { TF_NUM_INTRAOP_THREADS: env.TF_NUM_INTRAOP_THREADS, TF_NUM_INTEROP_THREADS: env.TF_NUM_INTEROP_THREADS };
}

/** Where the run's data set will be read from (`--home`, `--dataset`, default mnist, or `--data-dir`), with the default normalisation (`train` has no flag for it). */
export function guessTrainData(argv: readonly string[], env: NodeJS.ProcessEnv): { source: DatasetSource; normalization: Hyperparams['normalization'] } | null {
  const values = flagValues(argv, new Set(['--home', '--dataset', '--data-dir']));
  if (!values) return null;
  const dir = values.get('--data-dir');
  const ref: DatasetRef = dir !== undefined ? { dir: path.resolve(dir) } : { id: values.get('--dataset') ?? 'mnist' };
  return { source: datasetSource(resolveHome({ home: values.get('--home'), env }), ref), normalization: DEFAULT_HYPERPARAMS.normalization };
}

/** `train`'s command line as the CLI passes it to its prelaunched trainer (PRELAUNCH_ARGV_ENV: JSON, a list of strings); null if absent or anything else. */
export function parsePrelaunchArgv(text: string | null | undefined): string[] | null {
  if (!text) return null;
  try {
    const argv: unknown = JSON.parse(text);
    return Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? argv : null;
  } catch {
    return null;
  }
}
