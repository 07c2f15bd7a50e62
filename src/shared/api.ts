import type { z } from 'zod';
import { APP_API } from './app-api';
import { DATASETS_API } from './datasets-api';
import { MODELS_API } from './models-api';
import { RUNS_API, TRAINING_API } from './training-api';
import type { EventName, StudioEvents } from './events';
import type { Result } from './result';
import { SETTINGS_API } from './settings-api';
import { SWEEPS_API } from './sweeps-api';
import { UPLOADS_API } from './uploads-api';

export { ALL_SHELLS, method, NoInput, SHELLS, type MethodDef, type Shell } from './method';

/**
 * The contract. Every call the renderer (through the preload or the
 * WebSocket) or the CLI can make, with its input schema, one domain per
 * file. Main binds each name to a handler; the dispatcher validates the
 * input before the handler runs. Adding a capability starts here.
 */
export const API = {
  ...APP_API,
  ...DATASETS_API,
  ...SETTINGS_API,
  ...TRAINING_API,
  ...RUNS_API,
  ...SWEEPS_API,
  ...MODELS_API,
  ...UPLOADS_API,
};

export type Api = typeof API;
export type MethodName = keyof Api;
export const METHOD_NAMES = Object.keys(API) as MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(API, value);
}

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
