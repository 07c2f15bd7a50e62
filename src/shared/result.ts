/**
 * How every API call answers, across IPC, the WebSocket and the CLI: a value
 * or a typed error. Handlers never rely on an exception crossing a boundary.
 */
export const ERROR_CODES = [
  /** The input failed its schema or a range check; `field` names what. */
  'INVALID_ARGUMENT',
  /** A dataset, run or model id that does not exist. */
  'NOT_FOUND',
  /** Only one training run at a time; or a web-mode connection has too many calls in flight. */
  'BUSY',
  /** The user (or a shutdown) stopped the operation. */
  'CANCELLED',
  /** A file could not be read or written. */
  'IO',
  /** A download failed on every mirror. */
  'NETWORK',
  /** A file arrived or was found but failed verification. */
  'INTEGRITY',
  /** The native TensorFlow backend failed or is missing. */
  'NATIVE',
  /** The caller may not make this call (foreign frame, bad token). */
  'FORBIDDEN',
  /** Not available in this build or on this machine. */
  'UNAVAILABLE',
  /** A bug: something that should not happen did. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  /** One sentence a user can act on; names the file or field at fault. */
  message: string;
  /** Dotted path of the input field at fault, when there is one. */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string, field?: string): Result<T> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}

/** Thrown inside main-side services; the dispatcher turns it into `{ok:false}`. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.field = field;
  }

  toApiError(): ApiError {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}
