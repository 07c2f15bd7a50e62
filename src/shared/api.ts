import { z } from 'zod';
import type { AppInfo } from './app-info';
import type { MethodName } from './channels';
import type { StudioEvents } from './events';
import type { EventName } from './channels';
import type { Result } from './result';

/** One API method: the schema its input must pass and, as a type only, what it returns. */
export interface MethodDef<I extends z.ZodType, O> {
  input: I;
  /** Why the method exists, in a sentence. */
  doc: string;
  /** Phantom: carries the output type. Never set at run time. */
  readonly output?: O;
}

function method<O>() {
  return <I extends z.ZodType>(input: I, doc: string): MethodDef<I, O> => ({ input, doc });
}

/** No input: an empty object, and nothing else. */
export const NoInput = z.object({}).strict();

/**
 * The contract. Every call the renderer (through the preload or the
 * WebSocket) or the CLI can make, with its input schema. Main binds each
 * name to a handler; the dispatcher validates before the handler runs.
 */
export const API = {
  'app:info': method<AppInfo>()(NoInput, 'Versions, platform and studio home, for the About panel and diagnostics.'),
} satisfies Record<MethodName, MethodDef<z.ZodType, unknown>>;

export type Api = typeof API;
export type MethodInput<M extends MethodName> = z.input<Api[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Api[M]['input']>;
export type MethodOutput<M extends MethodName> = NonNullable<Api[M]['output']>;

type DomainOf<M> = M extends `${infer D}:${string}` ? D : never;
type VerbOf<M, D extends string> = M extends `${D}:${infer V}` ? V : never;
export type Domain = DomainOf<MethodName>;

/** The API as the renderer sees it: `studio.app.info({})`, grouped by domain. */
export type StudioClient = {
  [D in Domain]: {
    [V in VerbOf<MethodName, D>]: (input: MethodInput<`${D}:${V}` & MethodName>) => Promise<Result<MethodOutput<`${D}:${V}` & MethodName>>>;
  };
} & {
  /** Subscribe to an event stream; returns the unsubscribe. */
  on<E extends EventName>(event: E, listener: (payload: StudioEvents[E]) => void): () => void;
};
