/**
 * Training callbacks every run can use (Keras's EarlyStopping,
 * restore_best_weights, LearningRateScheduler and ReduceLROnPlateau): their
 * settings (fields of the hyperparameters), the learning rate a schedule
 * gives an epoch, and what they did in a run (kept in its record).
 */
import { z } from 'zod';
import { wholeNumber } from './layers';

/** What early stopping, restoring the best epoch and reduce-on-plateau watch after each epoch (both need a validation split). */
export const MONITORS = ['val-loss', 'val-accuracy'] as const;
export type Monitor = (typeof MONITORS)[number];

export const CALLBACK_LIMITS = {
  patience: { min: 0, max: 1000 },
  minDelta: { min: 0, max: 1 },
  every: { min: 1, max: 1000 },
  factor: { gt: 0, max: 1 },
} as const;

const C = CALLBACK_LIMITS;
const monitorError = `must be one of ${MONITORS.join(', ')}`;
const minDeltaError = `must be a number from ${C.minDelta.min} to ${C.minDelta.max}`;
const factorError = `must be a number above ${C.factor.gt} and at most ${C.factor.max}`;
const minLrError = 'must be a number from 0 to 10';
const Factor = z.number({ error: factorError }).gt(C.factor.gt, { error: factorError }).max(C.factor.max, { error: factorError });
const MinLr = z.number({ error: minLrError }).min(0, { error: minLrError }).max(10, { error: minLrError }).default(0);

/** Stop once `monitor` has not improved by more than `minDelta` for `patience` epochs in a row. */
export const EarlyStopping = z
  .object({
    monitor: z.enum(MONITORS, { error: monitorError }).default('val-loss'),
    patience: wholeNumber(C.patience.min, C.patience.max).default(0),
    minDelta: z.number({ error: minDeltaError }).min(C.minDelta.min, { error: minDeltaError }).max(C.minDelta.max, { error: minDeltaError }).default(0),
  })
  .strict();
export type EarlyStopping = z.output<typeof EarlyStopping>;

/**
 * The learning rate per epoch (epoch e = 1, 2, …; lr₀ the run's learning rate):
 * `step`: lr₀ · factor^⌊(e−1)/every⌋; `exponential`: lr₀ · gamma^(e−1);
 * `cosine`: minLr + (lr₀ − minLr) · (1 + cos(π (e−1)/epochs)) / 2;
 * `plateau`: lr₀, times `factor` each time validation loss has not improved for `patience` epochs (never below minLr).
 */
export const LrSchedule = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('step'), every: wholeNumber(C.every.min, C.every.max), factor: Factor }).strict(),
    z.object({ type: z.literal('exponential'), gamma: Factor }).strict(),
    z.object({ type: z.literal('cosine'), minLr: MinLr }).strict(),
    z.object({ type: z.literal('plateau'), patience: wholeNumber(C.patience.min, C.patience.max), factor: Factor, minLr: MinLr }).strict(),
  ],
  { error: 'must be {type: step, every, factor}, {type: exponential, gamma}, {type: cosine} or {type: plateau, patience, factor}' },
);
export type LrSchedule = z.output<typeof LrSchedule>;

/** The callback fields of the hyperparameters (spread into `Hyperparams`). */
export const CALLBACK_FIELDS = {
  /** Early stopping; absent: every epoch runs. */
  earlyStopping: EarlyStopping.optional(),
  /** At the end, put back the weights of the epoch best on the early-stopping monitor (validation loss without early stopping). */
  restoreBest: z.boolean({ error: 'must be true or false' }).optional(),
  /** Learning-rate schedule; absent: the learning rate stays. */
  lrSchedule: LrSchedule.optional(),
};

/** The callback settings of a run. */
export interface CallbackSettings {
  epochs: number;
  learningRate: number;
  validationSplit: number;
  earlyStopping?: EarlyStopping;
  restoreBest?: boolean;
  lrSchedule?: LrSchedule;
}

/** Which hyperparameter a callback problem is about, and what is wrong; null when the settings work together. */
export function callbackProblem(hp: CallbackSettings): { field: string; message: string } | null {
  if (hp.validationSplit > 0) return null;
  if (hp.earlyStopping) return { field: 'hyperparams.earlyStopping', message: 'early stopping watches the validation set: set a validation split above 0' };
  if (hp.restoreBest) return { field: 'hyperparams.restoreBest', message: 'restoring the best epoch needs a validation set: set a validation split above 0' };
  if (hp.lrSchedule?.type === 'plateau') return { field: 'hyperparams.lrSchedule', message: 'reduce-on-plateau watches validation loss: set a validation split above 0' };
  return null;
}

/** The learning rate of epoch `epoch` (1-based) for a schedule that does not depend on the metrics (not `plateau`). */
export function scheduledLearningRate(schedule: Exclude<LrSchedule, { type: 'plateau' }>, lr0: number, epoch: number, epochs: number): number {
  const e = epoch - 1;
  switch (schedule.type) {
    case 'step':
      return lr0 * schedule.factor ** Math.floor(e / schedule.every);
    case 'exponential':
      return lr0 * schedule.gamma ** e;
    case 'cosine':
      return schedule.minLr + ((lr0 - schedule.minLr) * (1 + Math.cos((Math.PI * e) / epochs))) / 2;
    default: {
      const never: never = schedule;
      throw new Error(`unknown schedule ${JSON.stringify(never)}`);
    }
  }
}

/** What the callbacks did in a run (kept in its record; absent in runs without callbacks or recorded before them). */
export interface CallbackOutcome {
  /** The epoch after which early stopping ended the run, or null. */
  stoppedEarlyAt: number | null;
  /** What the best epoch was judged on (the early-stopping monitor, else validation loss), null without a validation set. */
  monitor: Monitor | null;
  bestEpoch: number | null;
  bestValue: number | null;
  /** The epoch whose weights the model has (restore-best), or null when it has the last epoch's. */
  restoredEpoch: number | null;
}

export const CallbackOutcomeSchema = z.object({
  stoppedEarlyAt: z.number().int().min(1).nullable(),
  monitor: z.enum(MONITORS).nullable(),
  bestEpoch: z.number().int().min(1).nullable(),
  bestValue: z.number().nullable(),
  restoredEpoch: z.number().int().min(1).nullable(),
}) satisfies z.ZodType<CallbackOutcome>;

/** `val-loss:3[:0.001]`, the CLI's and the sweep's short form of early stopping. */
export function parseEarlyStop(text: string): EarlyStopping {
  const [monitor, patience, minDelta, ...rest] = text.split(':');
  if (rest.length > 0 || patience === undefined) throw new Error(`"${text}" is not MONITOR:PATIENCE[:MIN_DELTA] (e.g. val-loss:3 or val-accuracy:2:0.001)`);
  return parseShort(EarlyStopping, { monitor, patience: num(patience), ...(minDelta !== undefined ? { minDelta: num(minDelta) } : {}) }, text);
}

/** `cosine`, `step:EVERY:FACTOR`, `exp:GAMMA` or `plateau:PATIENCE:FACTOR`, the CLI's short form of a schedule. */
export function parseLrSchedule(text: string): LrSchedule {
  const [type, ...args] = text.split(':');
  const want: Record<string, { shape: string; make: (a: number[]) => unknown }> = {
    cosine: { shape: 'cosine', make: () => ({ type: 'cosine' }) },
    step: { shape: 'step:EVERY:FACTOR', make: ([every, factor]) => ({ type: 'step', every, factor }) },
    exp: { shape: 'exp:GAMMA', make: ([gamma]) => ({ type: 'exponential', gamma }) },
    plateau: { shape: 'plateau:PATIENCE:FACTOR', make: ([patience, factor]) => ({ type: 'plateau', patience, factor }) },
  };
  const form = type === undefined ? undefined : want[type];
  if (!form) throw new Error(`"${text}" is not a schedule: use cosine, step:EVERY:FACTOR, exp:GAMMA or plateau:PATIENCE:FACTOR`);
  const arity = form.shape.split(':').length - 1;
  if (args.length !== arity) throw new Error(`"${text}": write it as ${form.shape}`);
  return parseShort(LrSchedule, form.make(args.map(num)), text);
}

function num(text: string): number {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) ? NaN : n;
}

function parseShort<T>(schema: z.ZodType<T>, value: unknown, text: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`"${text}": ${issue.path.map(String).join('.') || 'value'} ${issue.message}`);
}
