import type { Command } from 'commander';
import { resolveHome } from '../home';

/** Exit codes every command follows. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stdout is a terminal (progress bars) or a pipe (plain lines). */
  isTTY: boolean;
}

/** What every command gets from the program. */
export interface CliContext {
  io: CliIO;
  /** Set by a command's action; the process exits with it. */
  state: { exitCode: number };
  /** The studio home from --home, $MNIST_STUDIO_HOME or the platform folder. */
  home(): string;
}

export function createCliContext(program: Command, io: CliIO, state: { exitCode: number }): CliContext {
  return { io, state, home: () => resolveHome({ home: program.opts<{ home?: string }>().home }) };
}
