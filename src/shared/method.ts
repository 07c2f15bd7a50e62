import { z } from 'zod';

/** One API method: the schema its input must pass and, as a type only, what it returns. */
export interface MethodDef<I extends z.ZodType, O> {
  input: I;
  /** Why the method exists, in a sentence. */
  doc: string;
  /** Phantom: carries the output type. Never set at run time. */
  readonly output?: O;
}

/** Declares a method returning `O`: `method<AppInfo>()(InputSchema, 'why')`. */
export function method<O>() {
  return <I extends z.ZodType>(input: I, doc: string): MethodDef<I, O> => ({ input, doc });
}

/** No input: an empty object, and nothing else. */
export const NoInput = z.object({}).strict();
