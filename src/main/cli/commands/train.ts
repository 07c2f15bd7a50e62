import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { z } from 'zod';
import { DEFAULT_MIX, parseMixFlag } from '@shared/mix';
import { parseEarlyStop, parseLrSchedule, type EarlyStopping, type LrSchedule } from '@shared/callbacks';
import { AUGMENT_FIELDS, AUGMENT_LIMITS, AUGMENT_PRESETS, augmentIsOff, parseAugment, type Augment } from '@shared/augment';
import { DEFAULT_HYPERPARAMS, HYPERPARAM_LIMITS, LOSSES, OPTIMIZERS, TRAINING_PATHS, type HyperparamsInput } from '@shared/hyperparams';
import { ACTIVATIONS, PRESETS, presetSpec, type Activation, type ModelSpec, type Preset } from '@shared/model-spec';
import { StudioError } from '@shared/result';
import { Id, TrainConfigInput, type RunRecord } from '@shared/training';
import { modelDir, readMetadata } from '../../models/store';
import { formatMix } from './runs';
import { TrainingHost } from '../../training/host';
import { EXIT, type CliContext } from '../context';
import { EXIT_ON_SIGNAL, onInterrupt } from '../signals';
import { barOutput, plainOutput, runResultJson, type TrainOutput } from '../train-output';
import { mark } from '../../trace';
import { forkTrainer } from '../../training/trainer-process';
import { threadsKey } from '../../training/threads';
import { guessTrainThreads } from '../../training/train-argv';
import { prelaunchedFirst } from '../prelaunch';

/** Exit code of a run stopped by a signal, the shell's 128 + signal number (130 for Ctrl-C): the run is kept as `stopped`. */

interface TrainFlags {
  dataset?: string;
  dataDir?: string;
  preset?: Preset;
  modelSpec?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: HyperparamsInput['optimizer'];
  loss?: HyperparamsInput['loss'];
  activation?: Activation;
  validationSplit?: number;
  seed?: number;
  limit?: number;
  logEvery?: number;
  threads?: number;
  trainingPath?: HyperparamsInput['trainingPath'];
  augment?: string;
  fromModel?: string;
  mix?: { dataset: string; share?: number };
  holdout?: number;
  json?: boolean;
  earlyStop?: EarlyStopping;
  restoreBest?: boolean;
  lrSchedule?: LrSchedule;
}

/** Which flag sets each config field, so an error names what the user typed. */
const FLAG_OF: Record<string, string> = {
  'hyperparams.epochs': '--epochs',
  'hyperparams.batchSize': '--batch-size',
  'hyperparams.learningRate': '--lr',
  'hyperparams.optimizer': '--optimizer',
  'hyperparams.loss': '--loss',
  'hyperparams.validationSplit': '--validation-split',
  'hyperparams.seed': '--seed',
  'hyperparams.limit': '--limit',
  'hyperparams.logEvery': '--log-every',
  'hyperparams.threads': '--threads',
  'hyperparams.trainingPath': '--training-path',
  'hyperparams.earlyStopping': '--early-stop',
  'hyperparams.restoreBest': '--restore-best',
  'hyperparams.lrSchedule': '--lr-schedule',
  'hyperparams.augment': '--augment',
  'hyperparams.mix': '--mix',
  'hyperparams.mix.dataset': '--mix',
  'hyperparams.mix.share': '--mix',
  'hyperparams.mix.holdout': '--holdout',
  'dataset.id': '--dataset',
  'dataset.dir': '--data-dir',
  fromModel: '--from-model',
};

/** A usage error: the command line is wrong; nothing was started or written. */
class UsageError extends Error {}

/** A flag's value as a finite number; anything else is a usage error naming the flag. */
export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
}

function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--model-spec ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`--model-spec ${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** `--augment`'s settings (a preset, key=value pairs, or both); absent or `none`: no augmentation. */
function augmentFlag(text: string | undefined): Augment | undefined {
  if (text === undefined) return undefined;
  let augment: Augment;
  try {
    augment = parseAugment(text);
  } catch (err) {
    throw new UsageError(`--augment ${text}: ${(err as Error).message}`);
  }
  return augmentIsOff(augment) ? undefined : augment;
}

/** The run's configuration from the flags, checked by the same schema as the API. */
export function configFromFlags(opts: TrainFlags, parentSpec?: ModelSpec): z.output<typeof TrainConfigInput> {
  if (opts.dataset !== undefined && opts.dataDir !== undefined) throw new UsageError('--dataset and --data-dir cannot be used together');
  if (opts.fromModel !== undefined && (opts.preset !== undefined || opts.modelSpec !== undefined || opts.activation !== undefined)) {
    throw new UsageError('--from-model keeps the saved model’s network: leave out --preset, --model-spec and --activation');
  }
  if (opts.preset !== undefined && opts.modelSpec !== undefined) throw new UsageError('--preset and --model-spec cannot be used together');
  if (opts.holdout !== undefined && opts.mix === undefined) throw new UsageError('--holdout: it is the share of the --mix set held out; give --mix DATASET too');
  if (opts.activation !== undefined && opts.modelSpec !== undefined) throw new UsageError('--activation applies to a preset; set each layer’s activation in the spec file');
  const model: unknown =
    parentSpec ?? (opts.modelSpec !== undefined ? readSpecFile(opts.modelSpec) : presetSpec(opts.preset ?? 'mlp', opts.activation ? { activation: opts.activation } : {}));
  const hyperparams: Record<string, unknown> = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    learningRate: opts.lr,
    optimizer: opts.optimizer,
    loss: opts.loss,
    validationSplit: opts.validationSplit,
    seed: opts.seed,
    limit: opts.limit,
    logEvery: opts.logEvery,
    threads: opts.threads,
    trainingPath: opts.trainingPath,
    earlyStopping: opts.earlyStop,
    restoreBest: opts.restoreBest,
    lrSchedule: opts.lrSchedule,
    augment: augmentFlag(opts.augment),
    mix: opts.mix ? { ...opts.mix, ...(opts.holdout !== undefined ? { holdout: opts.holdout } : {}) } : undefined,
  };
  for (const key of Object.keys(hyperparams)) if (hyperparams[key] === undefined) delete hyperparams[key];
  const dataset = opts.dataDir !== undefined ? { dir: path.resolve(opts.dataDir) } : { id: opts.dataset ?? 'mnist' };
  const parsed = TrainConfigInput.safeParse({ dataset, model, hyperparams, ...(opts.fromModel !== undefined ? { fromModel: opts.fromModel } : {}) });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  if (issue.path[0] === 'model') {
    const where = issue.code === 'custom' ? '' : `${issue.path.slice(1).map(String).join('.') || 'spec'}: `;
    throw new UsageError(`--model-spec ${opts.modelSpec ?? '(preset)'}: ${where}${issue.message}`);
  }
  throw new UsageError(`${FLAG_OF[field] ?? field}: ${issue.message}`);
}

/** A short form parsed by `parse`, its error as commander's usage error (which names the flag). */
function shortForm<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** The training callbacks' flags (shared with anything that trains like `train`). */
export function addCallbackOptions(command: Command): Command {
  return command
    .option(
      '--early-stop <monitor:patience[:minDelta]>',
      'stop once val-loss or val-accuracy has not improved (by more than minDelta) for patience epochs, e.g. val-loss:3 or val-accuracy:2:0.001 (needs --validation-split)',
      shortForm(parseEarlyStop),
    )
    .option('--restore-best', 'keep the weights of the best epoch (on the --early-stop monitor, else val-loss) instead of the last (needs --validation-split)')
    .option(
      '--lr-schedule <schedule>',
      'learning rate per epoch: cosine, step:EVERY:FACTOR, exp:GAMMA or plateau:PATIENCE:FACTOR (plateau needs --validation-split)',
      shortForm(parseLrSchedule),
    );
}

/** The network of the model `--from-model` names: fine-tuning keeps it. */
async function parentSpec(home: string, id: string): Promise<ModelSpec> {
  if (!Id.safeParse(id).success) throw new UsageError(`--from-model: ${id} is not a model id`);
  try {
    return (await readMetadata(home, id)).spec;
  } catch (err) {
    if (err instanceof StudioError) throw new UsageError(`--from-model: ${err.message}`);
    throw err;
  }
}

/** Trains in a trainer process, shows progress, and ends on the run's outcome. */
async function train(ctx: CliContext, opts: TrainFlags): Promise<void> {
  mark('cli: train command');
  const { io, state } = ctx;
  let config: z.output<typeof TrainConfigInput>;
  try {
    // A network given along with --from-model is refused by configFromFlags, before the parent is looked up.
    const keepsNetwork = opts.preset === undefined && opts.modelSpec === undefined && opts.activation === undefined;
    config = configFromFlags(opts, opts.fromModel !== undefined && keepsNetwork ? await parentSpec(ctx.home(), opts.fromModel) : undefined);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`error: ${err.message}\n`);
    state.exitCode = EXIT.usage;
    return;
  }
  const home = ctx.home();
  // The prelaunched trainer serves the run unless it loaded TensorFlow with other threads than the run gets.
  const host = new TrainingHost({
    home,
    launch: prelaunchedFirst(forkTrainer, (argv, options) => {
      const guessed = guessTrainThreads(argv, process.env);
      return guessed === null || threadsKey(guessed) === threadsKey(options.env);
    }),
  });
  // With --json, stdout carries only the result; progress goes to stderr as plain lines.
  const output: TrainOutput = opts.json ? plainOutput(io.err) : io.isTTY ? barOutput(process.stdout) : plainOutput(io.out);
  let firstLoss = true;
  const off = host.on((event) => {
    if (event.kind === 'batch' && firstLoss) {
      firstLoss = false;
      mark('cli: first loss');
    }
    output.event(event);
  });
  let runId: string;
  let seed: number;
  try {
    const started = await host.start(config);
    mark('cli: trainer launched');
    runId = started.runId;
    seed = started.config.hyperparams.seed;
  } catch (err) {
    off();
    if (err instanceof StudioError && (err.code === 'NOT_FOUND' || err.code === 'INVALID_ARGUMENT')) {
      io.err(`error: ${err.field && FLAG_OF[err.field] ? `${FLAG_OF[err.field]}: ` : ''}${err.message}\n`);
      state.exitCode = EXIT.usage;
      return;
    }
    throw err;
  }
  if (!opts.json) io.out(`Run ${runId}: ${config.model.name}${config.fromModel ? `, fine-tuning model ${config.fromModel}` : ''}, seed ${seed}; home ${home}\n`);

  let interrupts = 0;
  let signal: keyof typeof EXIT_ON_SIGNAL | null = null;
  const offInterrupt = onInterrupt((received) => {
    signal ??= received;
    interrupts++;
    output.interrupt();
    if (interrupts === 1) {
      io.err('\nStopping after the current batch, then evaluating and saving the model (Ctrl-C again to abort)…\n');
      host.stop(runId);
    } else {
      io.err('\nAborting.\n');
      host.kill(runId, 'aborted from the terminal (Ctrl-C twice)');
    }
  });
  let record: RunRecord;
  try {
    record = await host.whenFinished(runId);
  } finally {
    offInterrupt();
    output.close();
    off();
  }

  if (record.status === 'failed') {
    io.err(`error: run ${record.id} failed: ${record.reason}\n`);
    state.exitCode = signal ? EXIT_ON_SIGNAL[signal] : EXIT.failed;
  } else {
    const mix = formatMix(record);
    if (!opts.json && mix?.result) io.out(`Mixed in ${mix.settings}\n${mix.result}\n`);
    if (!opts.json && record.modelId) io.out(`Model saved to ${modelDir(home, record.modelId)}\nRun kept as ${record.id} (mnist-studio runs show ${record.id})\n`);
    state.exitCode = record.status === 'stopped' && signal ? EXIT_ON_SIGNAL[signal] : EXIT.ok;
  }
  if (opts.json) io.out(`${JSON.stringify(runResultJson(record))}\n`);
}

export function registerTrain(program: Command, ctx: CliContext): void {
  const L = HYPERPARAM_LIMITS;
  // Limits and defaults come from the contract, so the help says what the schema does.
  const D = DEFAULT_HYPERPARAMS;
  const command = program
    .command('train')
    .description('train a network in its own process, evaluate it on the test set and save it; the run is kept in the studio home')
    .option('--dataset <id>', 'installed dataset to train on (default: mnist)')
    .option('--data-dir <dir>', 'folder holding the four MNIST-format IDX files (.gz or raw) instead')
    .addOption(new Option('--preset <name>', 'network preset (default: mlp)').choices(PRESETS))
    .option('--model-spec <file>', 'network from a JSON file: {"name": …, "layers": [{"type": "dense", "units": 10}, …]}')
    .option('--epochs <n>', `passes over the training set, ${L.epochs.min}–${L.epochs.max} (default: ${D.epochs})`, number)
    .option('--batch-size <n>', `images per step, ${L.batchSize.min}–${L.batchSize.max} (default: ${D.batchSize})`, number)
    .option('--lr <x>', `learning rate, above ${L.learningRate.min} and at most ${L.learningRate.max} (default: ${D.learningRate})`, number)
    .addOption(new Option('--optimizer <name>', `optimizer (default: ${D.optimizer})`).choices(OPTIMIZERS))
    .addOption(new Option('--loss <name>', `loss (default: ${D.loss})`).choices(LOSSES))
    .addOption(new Option('--activation <name>', 'hidden-layer activation of the preset (default: relu)').choices(ACTIVATIONS))
    .option(
      '--validation-split <f>',
      `share of the training set held out for validation, ${L.validationSplit.min}–${L.validationSplit.max} (default: ${D.validationSplit})`,
      number,
    )
    .option('--seed <n>', 'seed for initialisation, shuffling and the split (default: drawn and recorded)', number)
    .option('--limit <n>', `train on at most this many images, ${L.limit.min}–${L.limit.max}`, number)
    .option('--log-every <n>', `report loss every N batches, ${L.logEvery.min}–${L.logEvery.max} (default: ${D.logEvery})`, number)
    .option('--threads <n>', `TensorFlow threads per op, ${L.threads.min}–${L.threads.max} (default: chosen from the network and batch size, or TF_NUM_INTRAOP_THREADS)`, number)
    .addOption(
      new Option('--training-path <path>', 'engine: auto (the native fast path when its self-test passes), native (insist), layers (tfjs-layers) (default: auto)').choices(
        TRAINING_PATHS,
      ),
    )
    .option(
      '--augment <spec>',
      `random transforms of each training batch: a preset (${AUGMENT_PRESETS.join(', ')}), key=value pairs (${AUGMENT_FIELDS.map((f) => `${f}=0–${AUGMENT_LIMITS[f].max}`).join(', ')}), or a preset then pairs that override it, e.g. light,noise=0.1 (default: none)`,
    )
    .option('--from-model <id>', 'fine-tune: start from this saved model’s weights (its network and normalisation), as a new run')
    .option(
      '--mix <dataset[:share]>',
      `mix a data set of the home (your personal set) into every batch: share of each batch drawn from it, above 0 and below 1 (default: ${DEFAULT_MIX.share}); the run reports its held-out accuracy beside the test accuracy`,
      shortForm(parseMixFlag),
    )
    .option('--holdout <f>', `share of the --mix set held out (never trained on) to measure on, 0 to below 1 (default: ${DEFAULT_MIX.holdout})`, number)
    .option('--json', 'print the result as one JSON line on stdout (progress goes to stderr)');
  addCallbackOptions(command);
  command.action((opts: TrainFlags) => train(ctx, opts));
}
