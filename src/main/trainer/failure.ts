/** Why a run failed, in a sentence a user can act on, from whatever ended it. */
import { StudioError } from '@shared/result';

/** The run cannot go on (a NaN loss); the message says why and what to change. */
export class TrainingFailure extends Error {
  override readonly name = 'TrainingFailure';
}

const OUT_OF_MEMORY = /\bOOM\b|out of memory|Array buffer allocation failed|Invalid typed array length|Allocation failed|std::bad_alloc/i;
const ADVICE = 'try a smaller batch size or a smaller network';
/** TensorFlow's informational lines (absl's `I…` prefix, e.g. "oneDNN custom operations are on", and its note before logging starts): they never say why a process ended. */
const INFO_LINE = /^(I\d{4} |WARNING: All log messages before absl::InitializeLog\(\))/;

/**
 * An error's message on one line. TensorFlow errors from tfjs-node's
 * binding read `Invalid TF_Status: 8\nMessage: OOM when allocating …`:
 * the `Message:` line is the one that says what happened.
 */
export function errorLine(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim());
  const line = lines.find((l) => l.startsWith('Message: '))?.slice('Message: '.length) ?? lines.find((l) => l !== '') ?? 'unknown error';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** The reason of a `failed` event for an error thrown inside the trainer. */
export function failureReason(err: unknown): string {
  if (err instanceof StudioError || err instanceof TrainingFailure) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  const first = errorLine(err);
  return OUT_OF_MEMORY.test(message) ? `out of memory: ${first}; ${ADVICE}` : `the trainer failed: ${first}`;
}

/** The reason for a trainer process that ended without saying why, from how it ended and the tail of its stderr. */
export function exitReason(exit: { code: number | null; signal: string | null }, stderr: string): string {
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  if (OUT_OF_MEMORY.test(stderr)) return `out of memory: the trainer process ${how}; ${ADVICE}`;
  const last = stderr
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '' && !INFO_LINE.test(line))
    .at(-1);
  return `the trainer process ${how} before the run finished${last ? ` (${last.trim().slice(0, 300)})` : ''}`;
}
