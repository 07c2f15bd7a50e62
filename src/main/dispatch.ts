import { API, isMethodName, type MethodName, type MethodOutput, type MethodParsedInput } from '@shared/api';
import { fail, ok, StudioError, type Result } from '@shared/result';

/** The main-side implementation of every API method, free of any transport. */
export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>>;
};

const MAX_METHOD_NAME = 64;

/** Validates a call from any transport and runs its handler; never throws. */
export async function dispatch(handlers: Handlers, method: unknown, input: unknown): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    const shown = typeof method === 'string' ? method.slice(0, MAX_METHOD_NAME) : typeof method;
    return fail('INVALID_ARGUMENT', `unknown method: ${shown}`, 'method');
  }
  const parsed = API[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String) : [];
    // An unknown key is at fault itself, not the object holding it.
    if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    const field = path.length > 0 ? path.join('.') : 'input';
    return fail('INVALID_ARGUMENT', `${method}: ${field}: ${issue?.message ?? 'invalid input'}`, field);
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
