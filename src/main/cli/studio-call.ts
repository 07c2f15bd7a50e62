import type { MethodInput, MethodName, MethodOutput } from '@shared/api';
import type { Studio } from '../studio';
import { EXIT, type CliContext } from './context';

/**
 * The studio behind a CLI command: the same handlers, schemas and events the
 * app and web mode use. Its modules (settings, every handler) load here, on
 * first use, not with the CLI: `train` never needs them and starts sooner.
 */
export async function cliStudio(ctx: CliContext): Promise<Studio> {
  const { createStudio } = await import('../studio');
  // The CLI has no window; 'web' is the shell whose app:info fits a headless process.
  const studio = createStudio({ home: ctx.home(), shell: 'web' });
  // What the app shows as a toast (a settings file moved aside) goes to stderr, where a script's log keeps it.
  studio.events.on('notice', (notice) => ctx.io.err(`${notice.level}: ${notice.message}\n`));
  return studio;
}

/**
 * Calls one API method through the dispatcher. On failure prints the one
 * line `error: <message>` (the message names the file or field) and sets
 * the exit code; returns null.
 */
export async function callStudio<M extends MethodName>(ctx: CliContext, studio: Studio, method: M, input: MethodInput<M>): Promise<MethodOutput<M> | null> {
  const { dispatch } = await import('../dispatch');
  const result = await dispatch(studio.handlers, method, input, { shell: 'cli' });
  // A call that read the settings (a download reads the mirrors) may have had to set a broken file aside: say so.
  studio.settings.announce();
  if (result.ok) return result.value as MethodOutput<M>;
  ctx.io.err(`error: ${result.error.message}\n`);
  ctx.state.exitCode = result.error.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
  return null;
}

/** Checks a command's options with its schema; a failure prints `error: --flag: defect` and sets exit code 2. */
export function parseOptions<T>(
  ctx: CliContext,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  value: unknown,
  flags: Record<string, string>,
): T | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path[0];
  const flag = typeof key === 'string' ? (flags[key] ?? `--${key}`) : 'options';
  const index = issue?.path[1];
  const given = typeof key === 'string' && typeof index === 'number' ? ` (${JSON.stringify((value as Record<string, unknown[]>)[key]?.[index])})` : '';
  ctx.io.err(`error: ${flag}${given}: ${issue?.message ?? 'invalid'}\n`);
  ctx.state.exitCode = EXIT.usage;
  return null;
}
