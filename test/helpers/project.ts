import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface RunResult {
  code: number | null;
  /** The signal that ended it (SIGKILL after the time-out), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `mnist-studio` command in a child process to the end (async,
 * so the test process keeps serving its own timers meanwhile); `uid` runs it
 * as that user (root only).
 */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; uid?: number } = {}): Promise<RunResult> {
  const bin = path.join(ROOT, 'bin', 'mnist-studio.js');
  if (!fs.existsSync(path.join(ROOT, 'out', 'main', 'cli.js'))) {
    throw new Error('the CLI is not built: run `npm run build` (npm test does) before these tests');
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts the CLI and resolves once a stdout line matches; the caller ends it. */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mnist-studio.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.splice(0))
      if (w.re.test(stdout)) w.resolve();
      else waiters.push(w);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (re: RegExp) => new Promise<void>((resolve) => (re.test(stdout) ? resolve() : waiters.push({ re, resolve }))),
  };
}
