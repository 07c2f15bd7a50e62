import { API, isMethodName, type MethodName, type MethodOutput, type MethodParsedInput } from '@shared/api';
import { fail, ok, StudioError, type Result } from '@shared/result';

/** The main-side implementation of every API method, free of any transport. */
export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>>;
};

const MAX_METHOD_NAME = 64;
/** Longest field path or message echoed back: a hostile key of a megabyte is not repeated in the answer. */
const MAX_SHOWN = 300;

function shown(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN - 1)}…`;
}

/** Validates a call from any transport and runs its handler; never throws. */
export async function dispatch(handlers: Handlers, method: unknown, input: unknown): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    const shown = typeof method === 'string' ? method.slice(0, MAX_METHOD_NAME) : typeof method;
    return fail('INVALID_ARGUMENT', `unknown method: ${shown}`, 'method');
  }
  let parsed;
  try {
    parsed = API[method].input.safeParse(input ?? {});
  } catch (err) {
    // A schema throws rather than fails on input whose reading throws (a Proxy) or that nests past its recursion: still the caller's input at fault.
    return fail('INVALID_ARGUMENT', `${method}: input: cannot be checked (${err instanceof Error ? err.message.slice(0, MAX_SHOWN) : 'invalid'})`, 'input');
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String) : [];
    // An unknown key is at fault itself, not the object holding it.
    if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    // An empty key still shows as one.
    const field = shown(path.length > 0 ? path.map((p) => (p === '' ? '""' : p)).join('.') : 'input');
    const message = shown(issue?.message ?? 'invalid input');
    return fail('INVALID_ARGUMENT', `${method}: ${field}: ${message}`, field);
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data));
  } catch (err) {
    if (err instanceof StudioError) return { ok: false, error: err.toApiError() };
    console.error(`${method} failed:`, err);
    return fail('INTERNAL', `${method} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
