/**
 * `mnist-studio sweep SPEC.json [--parallel N] [--json]` runs a sweep;
 * `sweep --resume ID` finishes one that was cut off (every trial ends with
 * exactly one run); `sweeps list|show|delete` manage them.
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { StudioError } from '@shared/result';
import { SWEEP_LIMITS, type SweepRecord, type Trial } from '@shared/sweeps';
import { Id } from '@shared/training';
import type { SweepService } from '../../sweeps/service';
import { EXIT, type CliContext } from '../context';
import { EXIT_ON_SIGNAL, onInterrupt } from '../signals';
import { formatDuration } from '../train-output';

interface SweepFlags {
  parallel?: number;
  queue?: string;
  resume?: string;
  json?: boolean;
}

function parallelFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > SWEEP_LIMITS.parallel) throw new InvalidArgumentError(`must be a whole number from 1 to ${SWEEP_LIMITS.parallel}`);
  return n;
}

const valuesText = (values: Record<string, unknown>) =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');

const metricText = (m: number | null) => (m === null ? '–' : m.toFixed(4));

function trialJson(t: Trial) {
  return { index: t.index, status: t.status, runId: t.runId, modelId: t.modelId, values: t.values, metric: t.metric, ...(t.reason ? { reason: t.reason } : {}) };
}

/** The `--json` result: the sweep, its trials, the best one. */
export function sweepResultJson(r: SweepRecord): Record<string, unknown> {
  const best = r.best === null ? null : r.trials[r.best]!;
  return { id: r.id, status: r.status, metric: r.spec.metric, seed: r.seed, trials: r.trials.map(trialJson), best: best ? trialJson(best) : null };
}

function formatSweep(r: SweepRecord): string {
  const lines = [
    `sweep      ${r.id} (${r.status}), ${r.spec.method}${r.spec.method === 'random' ? ` seed ${r.seed}` : ''}, ${r.trials.length} trials, metric ${r.spec.metric}`,
    `created    ${r.createdAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`,
    `data       ${r.spec.dataset ?? r.spec.dataDir}; base ${valuesText(r.spec.base) || '(train’s defaults)'}`,
    '',
  ];
  const rows = [
    ['#', 'STATUS', 'METRIC', 'RUN', 'MODEL', 'VALUES'],
    ...r.trials.map((t) => [String(t.index + 1), t.status, metricText(t.metric), t.runId ?? '–', t.modelId ?? '–', valuesText(t.values)]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  lines.push(
    ...rows.map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    ),
  );
  if (r.best !== null) {
    const b = r.trials[r.best]!;
    lines.push('', `best       trial ${b.index + 1}: ${r.spec.metric} ${metricText(b.metric)} (${valuesText(b.values)}), run ${b.runId}, model ${b.modelId}`);
  }
  return lines.join('\n');
}

function readSpec(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', `${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', `${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** The sweep engine and its queue: loaded when a sweep command runs, not with every command. */
async function sweepModules() {
  const [queue, service] = await Promise.all([import('../../sweeps/queue'), import('../../sweeps/service')]);
  return { ...queue, ...service };
}

async function sweep(ctx: CliContext, specFile: string | undefined, opts: SweepFlags): Promise<void> {
  const { queueConnection, SweepService } = await sweepModules();
  const { io, state } = ctx;
  const say = opts.json ? io.err : io.out;
  if ((specFile === undefined) === (opts.resume === undefined)) {
    io.err('error: give a spec file (mnist-studio sweep SPEC.json) or --resume ID, not both\n');
    state.exitCode = EXIT.usage;
    return;
  }
  if (opts.queue !== undefined) {
    try {
      queueConnection(opts.queue);
    } catch (err) {
      io.err(`error: ${(err as Error).message}\n`);
      state.exitCode = EXIT.usage;
      return;
    }
  }
  const service = new SweepService({ home: ctx.home() });
  let id: string;
  let total: number;
  try {
    if (opts.resume !== undefined) {
      if (!Id.safeParse(opts.resume).success) throw new StudioError('INVALID_ARGUMENT', `--resume: ${opts.resume} is not a sweep id`);
      const record = await service.show(opts.resume);
      if (record.status === 'done') throw new StudioError('INVALID_ARGUMENT', `sweep ${record.id} has finished; nothing to resume`);
      id = record.id;
      total = record.trials.length;
      say(`Resuming sweep ${id}: ${record.trials.filter((t) => t.status !== 'done' && t.status !== 'pruned' && t.status !== 'failed').length} of ${total} trials left\n`);
    } else {
      const record = await service.create(readSpec(specFile!)).catch((err: unknown) => {
        if (err instanceof StudioError) throw new StudioError(err.code, `${specFile}: ${err.message}`, err.field);
        throw err;
      });
      id = record.id;
      total = record.trials.length;
      say(`Sweep ${id}: ${total} trials (${record.spec.method}), metric ${record.spec.metric}; resume with mnist-studio sweep --resume ${id}\n`);
    }
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    io.err(`error: ${err.message}\n`);
    state.exitCode = err.code === 'INVALID_ARGUMENT' || err.code === 'NOT_FOUND' ? EXIT.usage : EXIT.failed;
    return;
  }
  const started = Date.now();
  let finished = 0;
  const off = service.on((event) => {
    if (event.kind !== 'trial') return;
    const t = event.trial;
    if (t.status === 'running') say(`trial ${t.index + 1}/${total} started: ${valuesText(t.values)} (run ${t.runId})\n`);
    else if (t.status !== 'pending')
      say(`trial ${t.index + 1}/${total} ${t.status}: ${valuesText(t.values)} → ${metricText(t.metric)}${t.reason ? ` (${t.reason})` : ''} [${++finished} finished]\n`);
  });
  let signal: keyof typeof EXIT_ON_SIGNAL | null = null;
  const offInterrupt = onInterrupt((received) => {
    signal ??= received;
    io.err(`\nInterrupting: running trials stop and run again on resume (mnist-studio sweep --resume ${id})…\n`);
    service.interrupt(id);
  });
  let record: SweepRecord;
  try {
    record = await service.start(id, { parallel: opts.parallel, queue: opts.queue });
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    io.err(`error: ${err.message}\n`);
    state.exitCode = EXIT.failed;
    return;
  } finally {
    offInterrupt();
    off();
  }
  if (!opts.json) io.out(`${formatSweep(record)}\nwall time ${formatDuration(Date.now() - started)}\n`);
  else io.out(`${JSON.stringify(sweepResultJson(record))}\n`);
  if (signal) state.exitCode = EXIT_ON_SIGNAL[signal];
  else if (record.trials.some((t) => t.status === 'failed')) state.exitCode = EXIT.failed;
}

async function onSweep(ctx: CliContext, raw: string, action: (service: SweepService, id: string) => Promise<string>): Promise<void> {
  const parsed = Id.safeParse(raw);
  if (!parsed.success) {
    ctx.io.err(`error: sweep id: ${parsed.error.issues[0]?.message}\n`);
    ctx.state.exitCode = EXIT.usage;
    return;
  }
  try {
    const { SweepService } = await sweepModules();
    ctx.io.out(`${await action(new SweepService({ home: ctx.home() }), parsed.data)}\n`);
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    ctx.io.err(`error: ${err.message}\n`);
    ctx.state.exitCode = err.code === 'NOT_FOUND' ? EXIT.usage : EXIT.failed;
  }
}

export function registerSweeps(program: Command, ctx: CliContext): void {
  program
    .command('sweep [spec]')
    .description(
      'run a sweep from a JSON spec: {"dataset": "fashion-mnist", "base": {"preset": "mlp", "epochs": 2}, "method": "grid", "metric": "testAccuracy", "vary": {"lr": [0.001, 0.003]}}; every trial is an ordinary run and model',
    )
    .option('--parallel <n>', 'trainer processes at once (default: the cores over each trial’s TensorFlow threads)', parallelFlag)
    .option('--queue <url>', 'put the trials on a BullMQ queue in Redis (redis://HOST:PORT) for `mnist-studio worker`s to train; runs and models land here')
    .option('--resume <id>', 'finish a sweep that was cut off (killed or interrupted): trials that finished are kept, the others run again')
    .option('--json', 'print the result as one JSON line on stdout (progress goes to stderr)')
    .action((spec: string | undefined, opts: SweepFlags) => sweep(ctx, spec, opts));

  program
    .command('worker')
    .description('train sweep trials from a BullMQ queue (redis://HOST:PORT) in this home, sending each run and model back, until Ctrl-C')
    .requiredOption('--queue <url>', 'the Redis the sweep put its trials on: redis://HOST:PORT')
    .action(async (opts: { queue: string }) => {
      const { queueConnection, runWorker } = await sweepModules();
      try {
        queueConnection(opts.queue);
      } catch (err) {
        ctx.io.err(`error: ${(err as Error).message}\n`);
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const off = onInterrupt(() => {
        ctx.io.err('\nStopping the worker after its current trial…\n');
        stop();
      });
      try {
        await runWorker({ url: opts.queue, home: ctx.home(), stop: stopped, log: ctx.io.out });
      } finally {
        off();
      }
    });

  const sweeps = program.command('sweeps').description('list, show and delete sweeps');
  sweeps
    .command('list')
    .description('every sweep, newest first')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const { SweepService } = await sweepModules();
      const all = await new SweepService({ home: ctx.home() }).list();
      if (opts.json) return ctx.io.out(`${JSON.stringify(all)}\n`);
      if (all.length === 0) return ctx.io.out('No sweeps yet: run one with `mnist-studio sweep SPEC.json`.\n');
      for (const s of all) {
        ctx.io.out(
          `${s.id}  ${s.status}  ${s.finished}/${s.trials} trials  ${s.metric} best ${s.best ? `${s.best.metric.toFixed(4)} (${valuesText(s.best.values)})` : '–'}  ${s.createdAt}\n`,
        );
      }
    });
  sweeps
    .command('show <id>')
    .description('one sweep: its trials, their runs and models, the best')
    .option('--json', 'print the whole record as JSON')
    .action((raw: string, opts: { json?: boolean }) => onSweep(ctx, raw, async (s, id) => (opts.json ? JSON.stringify(await s.show(id)) : formatSweep(await s.show(id)))));
  sweeps
    .command('delete <id>')
    .description('delete a sweep’s record (its runs and models stay in the home)')
    .option('--json', 'print {"id": …} when done')
    .action((raw: string, opts: { json?: boolean }) =>
      onSweep(ctx, raw, async (s, id) => {
        await s.delete(id);
        return opts.json ? JSON.stringify({ id }) : `Deleted sweep ${id} (its runs and models are kept).`;
      }),
    );
}
