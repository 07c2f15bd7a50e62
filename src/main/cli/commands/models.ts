import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { EXPORT_FORMATS, ModelName, type ExportFormat, type ModelDetails, type ModelEntry, type Prediction } from '@shared/models';
import { datasetDisplayName, IMAGE_SIZE } from '@shared/datasets';
import { StudioError } from '@shared/result';
import { Id, type DatasetRef } from '@shared/training';
import { NORMALIZATION_NAMES, NormalizationChoice } from '@shared/models-api';
import type { ModelLibrary } from '../../models/library';
import type { ReproductionReport } from '../../models/reproduce';
import type { Studio } from '../../studio';
import { EXIT, type CliContext } from '../context';
import { formatBytes, formatTable } from '../format';
import { onInterrupt } from '../signals';
import { callStudio, cliStudio, parseOptions } from '../studio-call';
import { plainOutput } from '../train-output';
import { number } from './train';
import { formatEvaluation } from './runs';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);
const count = (n: number) => n.toLocaleString('en-US');

/** The CLI's formats: `tfjs` writes a .zip when the path ends in .zip. */
type CliFormat = Exclude<ExportFormat, 'tfjs-zip'>;
const CLI_FORMATS = EXPORT_FORMATS.filter((f): f is CliFormat => f !== 'tfjs-zip');

export function formatModelList(models: ModelEntry[]): string {
  if (models.length === 0) return 'No models yet: train one with `mnist-studio train`, or bring one in with `mnist-studio models import PATH`.';
  return formatTable([
    ['ID', 'NAME', 'PARAMS', 'DATASET', 'TEST ACC', 'CREATED', 'SOURCE'],
    ...models.map((m) => [
      m.id,
      m.name.length > 40 ? `${m.name.slice(0, 39)}…` : m.name,
      count(m.params),
      m.datasetId || m.datasetName ? datasetDisplayName(m.datasetId, m.datasetName) : '–',
      pct(m.testAccuracy),
      m.createdAt.replace('T', ' ').slice(0, 19),
      m.source === 'imported' ? 'imported' : m.parentModelId ? `fine-tuned from ${m.parentModelId}` : `run ${m.runId}`,
    ]),
  ]);
}

export function formatModel(m: ModelDetails): string {
  const meta = m.metadata;
  const lines = [
    `model      ${m.id}: ${m.name}`,
    `created    ${m.createdAt}${meta.stoppedEarly ? ' (its run was stopped early)' : ''}`,
    `source     ${meta.importedFrom ? `imported from ${meta.importedFrom}` : `trained by run ${meta.runId}`}${m.parentModelId ? `, fine-tuned from model ${m.parentModelId}` : ''}`,
    `network    ${m.specName}: ${m.architecture}; ${count(m.params)} parameters`,
    `input      28×28×1, pixels p as ((p / 255) − ${meta.normalization.mean}) / ${meta.normalization.std}; outputs 10 logits`,
    `dataset    ${meta.dataset ? `${meta.dataset.name} (${meta.dataset.id}): ${count(meta.dataset.trainCount)} train, ${count(meta.dataset.testCount)} test` : '–'}`,
    `test       ${meta.testAccuracy === null ? '– (run mnist-studio evaluate to measure it)' : `accuracy ${pct(meta.testAccuracy)}, loss ${meta.testLoss?.toFixed(4)}`}`,
    `files      ${formatBytes(m.bytes)}`,
    '',
    formatTable([
      ['LAYER', 'TYPE', 'OUTPUT', 'PARAMS'],
      ['', 'input', `[${m.summary.inputShape.join(', ')}]`, ''],
      ...m.summary.layers.map((l) => [String(l.index + 1), l.type, l.outputShape ? `[${l.outputShape.join(', ')}]` : '?', count(l.params)]),
    ]),
  ];
  return lines.join('\n');
}

/** The 28×28 the model saw, in characters: darker to brighter ink. */
export function asciiDigit(pixels: Uint8Array): string {
  const ramp = ' .:-=+*#%@';
  const rows: string[] = [];
  for (let y = 0; y < IMAGE_SIZE; y++) {
    let row = '';
    for (let x = 0; x < IMAGE_SIZE; x++) row += ramp[Math.min(ramp.length - 1, Math.floor((pixels[y * IMAGE_SIZE + x]! / 256) * ramp.length))]!.repeat(2);
    rows.push(row.trimEnd());
  }
  return rows.join('\n');
}

export function formatPrediction(p: Prediction): string {
  const best = p.probabilities[p.predicted]!;
  const bars = p.probabilities.map((prob, i) => [p.classNames[i] ?? String(i), `${(prob * 100).toFixed(1)}%`, '█'.repeat(Math.round(prob * 40))]);
  return [
    `Predicted: ${p.classNames[p.predicted] ?? p.predicted} (${(best * 100).toFixed(1)}%)`,
    '',
    formatTable(bars),
    '',
    'what the model saw (28×28):',
    asciiDigit(p.input),
  ].join('\n');
}

export function formatReproduction(r: ReproductionReport): string {
  const series = (label: string, s: ReproductionReport['lossCurve']) =>
    `${label}${s.recorded} points recorded, ${s.reproduced} reproduced; max |Δ| ${s.maxAbsDiff.toExponential(2)}, mean |Δ| ${s.meanAbsDiff.toExponential(2)}${s.identical ? ' (identical)' : ''}`;
  const lines = [
    `Reproduced run ${r.recordedRunId} as run ${r.runId} (seed ${r.seed}); model ${r.modelId ?? '–'}`,
    series('loss curve     ', r.lossCurve),
    series('epoch losses   ', r.epochLoss),
    `test accuracy  ${pct(r.testAccuracy.recorded)} recorded, ${pct(r.testAccuracy.reproduced)} now (Δ ${(r.testAccuracy.diff * 100).toFixed(2)} points)`,
    `test loss      ${r.testLoss.recorded.toFixed(6)} recorded, ${r.testLoss.reproduced.toFixed(6)} now (Δ ${r.testLoss.diff.toExponential(2)})`,
    `weights        ${r.weightsIdentical ? 'the same bytes' : 'differ'}`,
    `environment    ${r.environmentDifferences.length === 0 ? 'the same as recorded' : r.environmentDifferences.join('; ')}`,
  ];
  if (r.identical) {
    lines.push(
      r.environmentDifferences.length === 0
        ? 'Identical: same machine and seed give the same losses, test figures and weights, bit for bit.'
        : 'Identical: the same losses, test figures and weights, bit for bit.',
    );
  } else {
    lines.push(
      r.environmentDifferences.length === 0
        ? 'Not identical although the environment is the same as recorded.'
        : 'Not identical: the environment differs (above); TensorFlow’s arithmetic is only bit-exact on the same machine and versions.',
    );
  }
  return lines.join('\n');
}

/** A library with its own worker for one command; every StudioError becomes one `error:` line and an exit code. */
async function withLibrary(ctx: CliContext, action: (library: ModelLibrary) => Promise<void>): Promise<void> {
  // Loaded on use, as the studio is (studio-call.ts).
  const [{ ModelWorker }, { ModelLibrary }, { sweepHome }] = await Promise.all([import('../../models/worker'), import('../../models/library'), import('../../studio')]);
  const worker = new ModelWorker();
  const library = new ModelLibrary(ctx.home(), worker);
  try {
    // What a crash left in the home goes first, as when any other command opens it (createStudio).
    await sweepHome(ctx.home()).catch(() => []);
    await action(library);
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    ctx.io.err(`error: ${err.message}\n`);
    ctx.state.exitCode = err.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
  } finally {
    worker.close();
  }
}

/** Runs one API call for the command and prints its result (JSON or text). */
async function apiCommand<T>(ctx: CliContext, call: (studio: Studio) => Promise<T | null>, show: (value: T) => string, json: boolean | undefined): Promise<void> {
  const studio = await cliStudio(ctx);
  try {
    const value = await call(studio);
    if (value === null) return;
    ctx.io.out(`${json ? JSON.stringify(value) : show(value)}\n`);
  } finally {
    await studio.close();
  }
}

const IdArg = z.object({ id: Id });

export function registerModels(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('the model library: list, show, rename, delete, import and export models');

  models
    .command('list')
    .description('every model in the library, newest first')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => apiCommand(ctx, (studio) => callStudio(ctx, studio, 'models:list', {}), formatModelList, opts.json));

  models
    .command('show <id>')
    .description('one model: where it came from, its network layer by layer, its test figures')
    .option('--json', 'print it as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const parsed = parseOptions(ctx, IdArg, { id }, { id: 'model id' });
      if (parsed) await apiCommand(ctx, (studio) => callStudio(ctx, studio, 'models:get', parsed), formatModel, opts.json);
    });

  models
    .command('rename <id> <name>')
    .description('give a model another name (its id and files stay)')
    .option('--json', 'print the model’s entry as JSON')
    .action(async (id: string, name: string, opts: { json?: boolean }) => {
      const parsed = parseOptions(ctx, IdArg.extend({ name: ModelName }), { id, name }, { id: 'model id', name: 'name' });
      if (parsed)
        await apiCommand(
          ctx,
          (studio) => callStudio(ctx, studio, 'models:rename', parsed),
          (m) => `Renamed model ${m.id} to "${m.name}".`,
          opts.json,
        );
    });

  models
    .command('delete <id>')
    .description('remove a model from the library (the run that trained it stays)')
    .option('--json', 'print {"id": …} when done')
    .action(async (id: string, opts: { json?: boolean }) => {
      const parsed = parseOptions(ctx, IdArg, { id }, { id: 'model id' });
      if (parsed)
        await apiCommand(
          ctx,
          (studio) => callStudio(ctx, studio, 'models:delete', parsed),
          (r) => `Deleted model ${r.id}.`,
          opts.json,
        );
    });

  models
    .command('import <path>')
    .description(
      'add a TF.js layers model (a folder with model.json and weight files, or a .zip of one), a Keras model (.keras, full-model .h5) or an ONNX model (.onnx, as PyTorch or the studio exports it) after checking every file',
    )
    .option('--name <name>', 'the model’s name in the library')
    .option(
      '--normalisation <how>',
      'how its pixels p were scaled in training: mnist ((p/255 − 0.1307)/0.3081, the PyTorch tutorial’s), unit (p/255), raw (p) or MEAN,STD for ((p/255) − MEAN)/STD; required when the file records none',
      normalisationOption,
    )
    .option(
      '--mean <x>',
      'input normalisation: pixels go in as ((p / 255) − mean) / std (default: from its metadata.json; a model that records none needs it or --normalisation)',
      number,
    )
    .option('--std <x>', 'see --mean', number)
    .option('--dataset <id>', 'the installed dataset to score it on when its metadata.json names none that is installed; the test accuracy is recorded')
    .option('--json', 'print the new model’s entry as JSON')
    .action(async (file: string, opts: { name?: string; normalisation?: NormalizationChoice; mean?: number; std?: number; dataset?: string; json?: boolean }) => {
      if ((opts.mean === undefined) !== (opts.std === undefined) || (opts.normalisation !== undefined && opts.mean !== undefined)) {
        ctx.io.err(opts.normalisation !== undefined ? 'error: --normalisation replaces --mean and --std: give one or the other\n' : 'error: --mean and --std go together\n');
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      const normalization = opts.mean !== undefined && opts.std !== undefined ? { mean: opts.mean, std: opts.std } : opts.normalisation;
      await apiCommand(
        ctx,
        (studio) =>
          callStudio(ctx, studio, 'models:import', {
            path: path.resolve(file),
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(normalization ? { normalization } : {}),
            ...(opts.dataset !== undefined ? { dataset: opts.dataset } : {}),
          }),
        (m) =>
          `Imported "${m.name}" as model ${m.id}: ${m.architecture}; ${count(m.params)} parameters.` +
          (m.testAccuracy !== null && m.datasetId !== null ? `\nTest accuracy on ${datasetDisplayName(m.datasetId, m.datasetName)}: ${pct(m.testAccuracy)}.` : '') +
          (m.evaluationError !== null ? `\nwarning: not evaluated: ${m.evaluationError}` : '') +
          (m.normalizationScores
            ? `\nTest accuracy on ${m.normalizationScoresOn ?? 'the test set'} under each normalisation: ${m.normalizationScores.map((x) => `${x.choice} ${pct(x.accuracy)}`).join(', ')}.`
            : ''),
        opts.json,
      );
    });

  models
    .command('export <id>')
    .description(
      'write a model as TF.js (a folder, or a .zip when --out ends in .zip), ONNX, a reproduction bundle (.zip), Keras (.keras), or the run as a training script (.py) for PyTorch (pytorch) or Keras (keras-code)',
    )
    .addOption(new Option('--format <format>', 'what to write').choices(CLI_FORMATS).makeOptionMandatory())
    .requiredOption('--out <path>', 'where to write it; nothing appears there unless the export completes')
    .option('--force', 'replace what is at --out')
    .addOption(new Option('--layout <layout>', 'ONNX: the input layout, nchw [N, 1, 28, 28] as PyTorch feeds images, or nhwc [N, 28, 28, 1]').choices(['nhwc', 'nchw']))
    .addOption(
      new Option('--input <scale>', 'ONNX: normalised input (as the model’s metadata says), or raw 0–255 pixels with the normalisation inside the graph').choices([
        'normalised',
        'raw',
      ]),
    )
    .option('--json', 'print {format, path, bytes} as JSON')
    .action(async (id: string, opts: { format: CliFormat; out: string; force?: boolean; layout?: 'nhwc' | 'nchw'; input?: 'normalised' | 'raw'; json?: boolean }) => {
      const parsed = parseOptions(ctx, IdArg, { id }, { id: 'model id' });
      if (!parsed) return;
      const format: ExportFormat = opts.format === 'tfjs' && opts.out.toLowerCase().endsWith('.zip') ? 'tfjs-zip' : opts.format;
      await apiCommand(
        ctx,
        (studio) =>
          callStudio(ctx, studio, 'models:export', {
            id: parsed.id,
            format,
            path: path.resolve(opts.out),
            overwrite: Boolean(opts.force),
            ...(opts.layout !== undefined || opts.input !== undefined ? { onnx: { layout: opts.layout ?? 'nhwc', input: opts.input ?? 'normalised' } } : {}),
          }),
        (r) => `Exported model ${parsed.id} (${r.format}) to ${r.path} (${formatBytes(r.bytes)}).`,
        opts.json,
      );
    });
}

const EvaluateOptions = z
  .object({ id: Id, dataset: Id.optional(), dataDir: z.string().min(1).optional() })
  .refine((o) => o.dataset === undefined || o.dataDir === undefined, { message: 'give --dataset or --data-dir, not both', path: ['dataset'] });

export function registerModelTools(program: Command, ctx: CliContext): void {
  program
    .command('evaluate <id>')
    .description('score a saved model on a test set (default: the dataset it was trained on), in a worker process')
    .option('--dataset <id>', 'an installed dataset')
    .option('--data-dir <dir>', 'a folder holding the four MNIST-format IDX files')
    .option('--json', 'print the evaluation as JSON')
    .action(async (id: string, opts: { dataset?: string; dataDir?: string; json?: boolean }) => {
      const parsed = parseOptions(ctx, EvaluateOptions, { id, dataset: opts.dataset, dataDir: opts.dataDir }, { id: 'model id', dataset: '--dataset', dataDir: '--data-dir' });
      if (!parsed) return;
      await withLibrary(ctx, async (library) => {
        const details = await library.get(parsed.id);
        const trainedOn = details.metadata.dataset?.id;
        let dataset: DatasetRef;
        if (parsed.dataDir !== undefined) dataset = { dir: path.resolve(parsed.dataDir) };
        else if (parsed.dataset !== undefined) dataset = { id: parsed.dataset };
        else if (trainedOn?.startsWith('dir:')) dataset = { dir: trainedOn.slice(4) };
        else dataset = { id: trainedOn ?? 'mnist' };
        const ev = await library.evaluate(parsed.id, dataset).catch((err: unknown) => {
          // The dataset was chosen for the user (the one the model was trained on, or mnist): say how to choose another.
          if (err instanceof StudioError && err.field?.startsWith('dataset') && parsed.dataset === undefined && parsed.dataDir === undefined) {
            throw new StudioError(
              err.code,
              `${err.message.replace(/; download it first or train on a folder of IDX files$/, '')}; evaluate on another with --dataset ID or --data-dir DIR`,
              err.field,
            );
          }
          throw err;
        });
        const where = 'id' in dataset ? dataset.id : dataset.dir;
        ctx.io.out(
          opts.json
            ? `${JSON.stringify(ev)}\n`
            : `Model ${parsed.id} on ${where}: test accuracy ${pct(ev.accuracy)} (loss ${ev.loss.toFixed(4)}) on ${count(ev.count)} test images\n\n${formatEvaluation(ev)}\n`,
        );
      });
    });

  program
    .command('predict <id> <image>')
    .description('classify a PNG or JPEG of a digit (MNIST preprocessing: crop to the ink, fit in 20×20, centre by mass), in a worker process')
    .option('--raw', 'the image is already a 28×28 MNIST-style digit: no preprocessing')
    .option('--json', 'print {predicted, probabilities, classNames, input, inkBox} as JSON')
    .action(async (id: string, image: string, opts: { raw?: boolean; json?: boolean }) => {
      const parsed = parseOptions(ctx, IdArg, { id }, { id: 'model id' });
      if (!parsed) return;
      await apiCommand(
        ctx,
        (studio) => callStudio(ctx, studio, 'models:predict', { id: parsed.id, image: { path: path.resolve(image) }, preprocess: !opts.raw }),
        // JSON has no byte arrays: the 28×28 input goes out as 784 numbers.
        (p) => (opts.json ? JSON.stringify({ ...p, input: Array.from(p.input) }) : formatPrediction(p)),
        false,
      );
    });

  program
    .command('reproduce <bundle>')
    .description('train again from a reproduction bundle (same config, seed and data) and report how far the results are from the recorded ones')
    .option('--data-dir <dir>', 'the dataset’s folder, when it is not installed under the id the bundle records')
    .option('--json', 'print the report as JSON (progress goes to stderr)')
    .action(async (bundle: string, opts: { dataDir?: string; json?: boolean }) => {
      const output = plainOutput(opts.json ? ctx.io.err : ctx.io.out);
      const controller = new AbortController();
      const offInterrupt = onInterrupt(() => {
        ctx.io.err('\nStopping the reproduction after the current batch…\n');
        controller.abort();
      });
      await withLibrary(ctx, async () => {
        const { reproduce } = await import('../../models/reproduce');
        const report = await reproduce({
          home: ctx.home(),
          bundle,
          dataDir: opts.dataDir,
          signal: controller.signal,
          onEvent: (event) => output.event(event),
          onStart: ({ runId, addedParent }) => {
            const note = addedParent ? `; added its parent model ${addedParent} to the library` : '';
            (opts.json ? ctx.io.err : ctx.io.out)(`Reproducing ${path.resolve(bundle)} as run ${runId}${note}\n`);
          },
        });
        ctx.io.out(opts.json ? `${JSON.stringify(report)}\n` : `\n${formatReproduction(report)}\n`);
      }).finally(offInterrupt);
    });
}

/** `--normalisation mnist|unit|raw|MEAN,STD`, checked by the contract's schema. */
function normalisationOption(value: string): NormalizationChoice {
  const parts = value.split(',');
  const candidate = parts.length === 2 ? { mean: Number(parts[0]), std: Number(parts[1]) } : value.trim();
  const parsed = NormalizationChoice.safeParse(candidate);
  if (!parsed.success)
    throw new InvalidArgumentError(
      `must be ${NORMALIZATION_NAMES.join(', ')} or MEAN,STD (MEAN from 0 to 1, STD above 0 and at most 1)${parts.length === 2 ? `: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}` : ''}`,
    );
  return parsed.data;
}
