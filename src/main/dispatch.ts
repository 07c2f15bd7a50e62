import { API, isMethodName, type MethodName, type MethodOutput, type MethodParsedInput, type Shell } from '@shared/api';
import { fail, ok, StudioError, type Result } from '@shared/result';

/** Who makes a call, as its transport knows it: the shell, and for a web client its connection (uploads belong to one). */
export interface Caller {
  readonly shell: Shell;
  /** One per connection or window; what a call leaves open (an upload) is tied to it. */
  readonly session?: string;
}

/** The main-side implementation of every API method, free of any transport. */
export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>, caller: Caller) => Promise<MethodOutput<M>>;
};

const SHELL_WORDS: Record<Shell, string> = { cli: 'the CLI', desktop: 'the desktop app’s window', web: 'a web client' };

function shellList(shells: readonly Shell[]): string {
  return shells.length === 0 ? 'no shell' : shells.map((s) => SHELL_WORDS[s]).join(' or ');
}

/** The value at a dotted path of a plain input object, or undefined. */
function valueAt(input: unknown, dotted: string): unknown {
  let value: unknown = input;
  for (const key of dotted.split('.')) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const MAX_METHOD_NAME = 64;
/** Longest field path or message echoed back: a hostile key of a megabyte is not repeated in the answer. */
const MAX_SHOWN = 300;

function shown(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN - 1)}…`;
}

/**
 * Validates a call from any transport and runs its handler; never throws.
 * A method (or a field of it) that the caller's shell may not use is
 * refused before the handler runs.
 */
export async function dispatch(handlers: Handlers, method: unknown, input: unknown, caller: Caller): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    const shown = typeof method === 'string' ? method.slice(0, MAX_METHOD_NAME) : typeof method;
    return fail('INVALID_ARGUMENT', `unknown method: ${shown}`, 'method');
  }
  const def = API[method];
  if (!def.shells.includes(caller.shell)) {
    return fail('FORBIDDEN', `${method}: refused: ${SHELL_WORDS[caller.shell]} may not call it (only ${shellList(def.shells)})`);
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
    for (const [field, shells] of Object.entries(def.fieldShells ?? {})) {
      if (!shells.includes(caller.shell) && valueAt(input, field) !== undefined) {
        return fail('FORBIDDEN', `${method}: ${field}: refused: ${SHELL_WORDS[caller.shell]} may not give it (only ${shellList(shells)})`, field);
      }
    }
  } catch {
    return fail('INVALID_ARGUMENT', `${method}: input: cannot be checked`, 'input');
  }
  try {
    const handler = handlers[method] as (input: unknown, caller: Caller) => Promise<unknown>;
    return ok(await handler(parsed.data, caller));
  } catch (err) {
    if (err instanceof StudioError) return { ok: false, error: err.toApiError() };
    console.error(`${method} failed:`, err);
    return fail('INTERNAL', `${method} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
