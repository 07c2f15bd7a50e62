import { z } from 'zod';

/**
 * Who makes a call: the CLI (the local user, in-process: may name any path
 * and URL), the desktop renderer (a sandboxed page: files only through
 * dialogs main opens) or a web client (a browser, perhaps on another
 * machine: files only as uploads and downloads).
 */
export const SHELLS = ['cli', 'desktop', 'web'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every shell: for methods that name nothing of the engine's machine. */
export const ALL_SHELLS = SHELLS;

/** One API method: the schema its input must pass and, as a type only, what it returns. */
export interface MethodDef<I extends z.ZodType, O> {
  input: I;
  /** Why the method exists, in a sentence. */
  doc: string;
  /** The shells that may call it; the dispatcher refuses the others (FORBIDDEN). */
  shells: readonly Shell[];
  /**
   * Input fields (dotted paths) only some shells may give, e.g. a mirror URL
   * or a file path that only the CLI may name; absent fields are not checked.
   */
  fieldShells?: Readonly<Record<string, readonly Shell[]>>;
  /** Phantom: carries the output type. Never set at run time. */
  readonly output?: O;
}

/** Declares a method returning `O`: `method<AppInfo>()(InputSchema, 'why', ALL_SHELLS)`. No default shells: a new method must decide. */
export function method<O>() {
  return <I extends z.ZodType>(input: I, doc: string, shells: readonly Shell[], fieldShells?: Readonly<Record<string, readonly Shell[]>>): MethodDef<I, O> =>
    fieldShells ? { input, doc, shells, fieldShells } : { input, doc, shells };
}

/** No input: an empty object, and nothing else. */
export const NoInput = z.object({}).strict();
