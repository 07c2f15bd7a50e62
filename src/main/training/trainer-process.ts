/**
 * How the host starts a trainer process and talks to it, whatever starts
 * it: `child_process.fork` here (plain Node: CLI, web mode, tests) or
 * Electron's `utilityProcess.fork` in the desktop app (a thin adapter in
 * src/main/electron/trainer-process.ts).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '@shared/result';
import { appRoot } from '../paths';
import { RUN_TRAINER_ENV, type HostMessage } from '../trainer/protocol';

/** How a trainer process ended: an exit code, or the signal that killed it. */
export interface TrainerExit {
  code: number | null;
  signal: string | null;
}

/** A running trainer process, as the host sees it. */
export interface TrainerProcess {
  readonly pid: number | undefined;
  send(message: HostMessage): void;
  /** Raw messages; the host checks their shape. */
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: TrainerExit) => void): void;
  /** The trainer's stderr, where native errors and out-of-memory reports land. */
  onStderr(listener: (text: string) => void): void;
  kill(): void;
}

/** Starts the trainer bundle at `entry` with `env`. */
export type TrainerLauncher = (options: { entry: string; env: NodeJS.ProcessEnv }) => TrainerProcess;

/** Sets each of `vars` in `env`, removing those that are undefined (TensorFlow's default is its variable unset); returns `env`. */
export function setEnvVars(env: NodeJS.ProcessEnv, vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Any run's trainer's environment before the run's threads are chosen:
 * `base`, marked as a run's (RUN_TRAINER_ENV). The allocator is left as the
 * user has it: asking glibc for transparent huge pages
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as trainers did before) trained no
 * faster, and on a machine whose memory is fragmented each 2 MB fault can
 * wait for the kernel to compact memory: normalising a data set into fresh
 * memory then took 420–470 ms instead of ~150 ms, in one run of six.
 */
export function trainerBaseEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, [RUN_TRAINER_ENV]: '1' };
}

/** The built trainer bundle (electron-vite's `trainer` input). */
export function trainerEntry(): string {
  const entry = path.join(appRoot(), 'out', 'main', 'trainer.js');
  if (!fs.existsSync(entry)) throw new StudioError('UNAVAILABLE', `the trainer is not built (${entry} is missing): run npm run build`);
  return entry;
}

/** The plain-Node launcher: a forked child with an IPC channel and its stderr piped. */
export const forkTrainer: TrainerLauncher = ({ entry, env }) => {
  const child = fork(entry, [], { env, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exitListeners: ((exit: TrainerExit) => void)[] = [];
  let exited = false;
  const exit = (info: TrainerExit) => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener(info);
  };
  // 'close', not 'exit': it comes after the last IPC message and stderr chunk are in.
  child.on('close', (code, signal) => exit({ code, signal }));
  // A process that could not start (or be signalled) must end the run, never throw in the host.
  child.on('error', (err) => {
    if (child.pid === undefined) exit({ code: null, signal: null });
    else console.error(`trainer process ${child.pid}: ${err.message}`);
  });
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => exitListeners.push(listener),
    onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString())),
    kill: () => child.kill('SIGKILL'),
  };
};
