import { AUGMENT_FIELDS, augmentIsOff, augmentPresetOf, formatAugment } from '@shared/augment';
import type { Command } from 'commander';
import { datasetDisplayName } from '@shared/datasets';
import { StudioError } from '@shared/result';
import { Id, type Evaluation, type RunRecord, type RunSummary } from '@shared/training';
import { deleteRun, failOrphanedRuns, listRuns, readRun } from '../../training/runs-store';
import { IN_CALLER_THREAD } from '../../training/threads';
import { EXIT, type CliContext } from '../context';
import { formatDuration } from '../train-output';

const pct = (x: number | null, digits = 2) => (x === null ? '–' : `${(x * 100).toFixed(digits)}%`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A long name (a folder's) keeps its end, where it differs from others. */
const shorten = (name: string) => (name.length > 30 ? `…${name.slice(-29)}` : name);

export function formatRunList(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No runs yet: train one with `mnist-studio train`.';
  return table([
    ['ID', 'STATUS', 'MODEL', 'DATASET', 'EPOCHS', 'TEST ACC', 'DURATION', 'CREATED'],
    ...runs.map((r) => [
      r.id,
      r.status,
      r.modelName,
      shorten(datasetDisplayName(r.datasetId)),
      `${r.epochsDone}/${r.epochs}`,
      pct(r.testAccuracy),
      r.durationMs === null ? '–' : formatDuration(r.durationMs),
      r.createdAt.replace('T', ' ').slice(0, 19),
    ]),
  ]);
}

/** The engine line's word on TF_NUM_INTEROP_THREADS: nothing for TensorFlow's default (or a run recorded before it was kept). */
function interOpNote(value: string | undefined): string {
  if (value === IN_CALLER_THREAD) return '; ops in the trainer’s own thread';
  return value && value !== 'default' ? `; inter-op threads ${value}` : '';
}

export function formatRun(r: RunRecord): string {
  const hp = r.config.hyperparams;
  const lines = [
    `run        ${r.id} (${r.status}${r.reason ? `: ${r.reason}` : ''})`,
    `created    ${r.createdAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`,
    `model      ${r.modelName}, ${r.params?.toLocaleString('en-US') ?? '?'} parameters, saved as ${r.modelId ?? '–'}`,
    `dataset    ${r.datasetId}${r.dataset ? ` (${r.dataset.trainCount} train, ${r.dataset.validationCount} validation, ${r.dataset.testCount} test)` : ''}`,
    `settings   ${hp.epochs} epochs, batch ${hp.batchSize}, ${hp.optimizer} lr ${hp.learningRate}, ${hp.loss}, validation ${hp.validationSplit}, seed ${hp.seed}${hp.limit ? `, limit ${hp.limit}` : ''}`,
    `augment    ${
      augmentIsOff(hp.augment)
        ? 'none'
        : `${formatAugment(hp.augment)}${
            augmentPresetOf(hp.augment)
              ? ` (${AUGMENT_FIELDS.filter((f) => hp.augment![f] !== 0)
                  .map((f) => `${f} ${hp.augment![f]}`)
                  .join(', ')})`
              : ''
          }`
    }`,
    `result     test accuracy ${pct(r.testAccuracy)}, loss ${r.testLoss?.toFixed(4) ?? '–'}, ${r.samplesPerSec ? Math.round(r.samplesPerSec).toLocaleString('en-US') : '–'} samples/s, ${r.durationMs === null ? '–' : formatDuration(r.durationMs)}`,
  ];
  const callbacks = formatCallbacks(r);
  if (callbacks) lines.push(`callbacks  ${callbacks}`);
  const mix = formatMix(r);
  if (mix) lines.push(`mix        ${mix.settings}`, ...(mix.result ? [`           ${mix.result}`] : []));
  if (r.environment) {
    const e = r.environment;
    lines.push(`machine    ${e.cpu} (${e.cpuThreads} threads, TF intra-op ${e.intraOpThreads}); tfjs-node ${e.tfjsNode}, libtensorflow ${e.libtensorflow}; app ${e.app}`);
    if (e.trainingPath)
      lines.push(`engine     ${e.trainingPath} (${e.trainingPathReason}); TF intra-op threads ${e.intraOpThreads}, from ${e.intraOpThreadsFrom}${interOpNote(e.interOpThreads)}`);
  }
  if (r.metrics.epochs.length) {
    lines.push(
      '',
      table([
        ['EPOCH', 'TRAIN LOSS', 'TRAIN ACC', 'VAL LOSS', 'VAL ACC', 'LR', 'TIME'],
        ...r.metrics.epochs.map((e) => [
          String(e.epoch),
          e.trainLoss.toFixed(4),
          pct(e.trainAccuracy),
          e.validationLoss?.toFixed(4) ?? '–',
          pct(e.validationAccuracy),
          e.learningRate === undefined ? '–' : e.learningRate.toPrecision(3),
          formatDuration(e.elapsedMs),
        ]),
      ]),
    );
  }
  if (r.evaluation) lines.push('', formatEvaluation(r.evaluation));
  return lines.join('\n');
}

/** The mixed-in set and what it did: its settings, and the held-out and test accuracies (the starting model's → the run's); null without a mix. */
export function formatMix(r: Pick<RunRecord, 'config' | 'mix'>): { settings: string; result: string | null } | null {
  const m = r.config.hyperparams.mix;
  if (!m) return null;
  const o = r.mix;
  const settings = `${m.dataset}: ${pct(m.share, 0)} of each batch${o ? ` (${o.rowsPerBatch} rows)` : ''}, ${pct(m.holdout, 0)} held out${o ? ` (${o.holdoutCount} of ${o.holdoutCount + o.trainCount} images)` : ''}`;
  if (!o) return { settings, result: null };
  const change = (before: number | null | undefined, after: number | null) => (o.before ? `${pct(before ?? null)} → ${pct(after)}` : pct(after));
  const held = o.holdoutCount > 0 ? `held out ${change(o.before?.holdoutAccuracy, o.after.holdoutAccuracy)}` : 'nothing held out';
  return { settings, result: `${held}, test ${change(o.before?.testAccuracy, o.after.testAccuracy)}${o.before ? ' (starting model → this run)' : ''}` };
}

/** The run's callbacks and what they did, in one line; null without any. */
export function formatCallbacks(r: RunRecord): string | null {
  const { earlyStopping: es, restoreBest, lrSchedule: s } = r.config.hyperparams;
  const parts: string[] = [];
  if (es) parts.push(`early stop on ${es.monitor} (patience ${es.patience}, min delta ${es.minDelta})`);
  if (restoreBest) parts.push('restore best epoch');
  if (s) {
    const text =
      s.type === 'step'
        ? `step ×${s.factor} every ${s.every}`
        : s.type === 'exponential'
          ? `exponential γ ${s.gamma}`
          : s.type === 'cosine'
            ? `cosine to ${s.minLr}`
            : `plateau ×${s.factor} after ${s.patience}`;
    parts.push(`lr schedule ${text}`);
  }
  if (parts.length === 0) return null;
  const o = r.callbacks;
  if (o) {
    parts.push(o.stoppedEarlyAt !== null ? `stopped early after epoch ${o.stoppedEarlyAt}` : 'ran every epoch');
    if (o.bestEpoch !== null) parts.push(`best epoch ${o.bestEpoch} (${o.monitor} ${o.bestValue?.toFixed(4)})`);
    if (o.restoredEpoch !== null) parts.push(`model has epoch ${o.restoredEpoch}'s weights`);
  }
  return parts.join('; ');
}

/** Per-class results, the confusion matrix and the misclassified count of a test-set evaluation. */
export function formatEvaluation(ev: Evaluation): string {
  return [
    table([
      ['CLASS', 'PRECISION', 'RECALL', 'F1', 'SUPPORT'],
      ...ev.perClass.map((c, i) => [ev.classNames[i] ?? String(i), c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), String(c.support)]),
    ]),
    '',
    'confusion (rows: label, columns: predicted)',
    table([['', ...ev.classNames.map((_, i) => String(i))], ...ev.confusion.map((row, i) => [String(i), ...row.map(String)])]),
    `${ev.misclassified.length} misclassified test images`,
  ].join('\n');
}

/**
 * Runs `action` on a valid run id, after the orphan sweep. A malformed id or
 * NOT_FOUND is the user's mistake (exit 2); anything else is a failure.
 */
async function onRun(ctx: CliContext, raw: string, action: (id: string) => Promise<string>): Promise<void> {
  const parsed = Id.safeParse(raw);
  if (!parsed.success) {
    ctx.io.err(`error: run id: ${parsed.error.issues[0]?.message}\n`);
    ctx.state.exitCode = EXIT.usage;
    return;
  }
  await failOrphanedRuns(ctx.home());
  try {
    ctx.io.out(`${await action(parsed.data)}\n`);
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    ctx.io.err(`error: ${err.message}\n`);
    ctx.state.exitCode = err.code === 'NOT_FOUND' ? EXIT.usage : EXIT.failed;
  }
}

export function registerRuns(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('list, show and delete kept training runs');

  runs
    .command('list')
    .description('every kept run, newest first')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      // Like the app at start-up, a listing first marks runs left `running` by a crashed process as failed.
      await failOrphanedRuns(ctx.home());
      const all = await listRuns(ctx.home());
      ctx.io.out(opts.json ? `${JSON.stringify(all)}\n` : `${formatRunList(all)}\n`);
    });

  runs
    .command('show <id>')
    .description('one run in full: settings, machine, epochs, per-class results')
    .option('--json', 'print the whole record as JSON')
    .action((raw: string, opts: { json?: boolean }) =>
      onRun(ctx, raw, async (id) => {
        const record = await readRun(ctx.home(), id);
        return opts.json ? JSON.stringify(record) : formatRun(record);
      }),
    );

  runs
    .command('delete <id>')
    .description('delete a run’s record (its saved model stays)')
    .option('--json', 'print {"id": …} when done')
    .action((raw: string, opts: { json?: boolean }) =>
      onRun(ctx, raw, async (id) => {
        await deleteRun(ctx.home(), id);
        return opts.json ? JSON.stringify({ id }) : `Deleted run ${id}.`;
      }),
    );
}
