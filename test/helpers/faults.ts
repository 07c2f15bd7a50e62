import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { compareSnapshots, type Snapshot } from './home-snapshot';
import { ROOT, runCli, type RunResult } from './project';
import { recordMetric } from './robustness';
import { tmpDir } from './tmp';

/** Faults are injected for real: a small tmpfs, RLIMIT_FSIZE, another user's identity. These need root (CI runs the tests as root). */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('the fault-injection tests mount file systems and change users: run them as root, as CI does');
}

export const BIN = path.join(ROOT, 'bin', 'mnist-studio.js');

/** The `nobody` user: root ignores file modes, so a permission fault is injected by running the CLI as someone else. */
export const NOBODY = 65534;

/** A real small file system (tmpfs of `kb` kB) for `fn`: writes past its size fail with ENOSPC, a full disk. */
export async function onSmallDisk<T>(kb: number, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tmpDir();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs to fill (these tests run as root, as CI does): ${mounted.stderr}`);
  try {
    return await fn(dir);
  } finally {
    spawnSync('umount', [dir]);
  }
}

/** Fills the file system of `dir` until `leaveBytes` are free (as near as its blocks allow): the next large write fails with ENOSPC. */
export function fillDisk(dir: string, leaveBytes: number): string {
  const filler = path.join(dir, '.filler');
  const st = fs.statfsSync(dir);
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, st.bavail * st.bsize - leaveBytes)));
  return filler;
}

/** Runs the built CLI to the end; `uid` runs it as that user, with a HOME it cannot use. */
export async function cli(args: string[], options: { uid?: number; timeoutMs?: number } = {}): Promise<RunResult> {
  const { uid, timeoutMs } = options;
  if (uid === undefined) return runCli(args, { timeoutMs });
  const restore = letOthersThrough(ROOT);
  try {
    return await runCli(args, { timeoutMs, uid, env: { HOME: '/nonexistent' } });
  } finally {
    restore();
  }
}

/**
 * The other user must reach the checkout to run the CLI: a clone inside a
 * `mktemp -d` folder (mode 0700) is closed to it. Each folder above `dir`
 * that others cannot pass through gets o+x (passing through, not listing)
 * for the run; the returned function puts the modes back.
 */
function letOthersThrough(dir: string): () => void {
  const changed: { dir: string; mode: number }[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(d, mode | 0o001);
      changed.push({ dir: d, mode });
    }
    if (path.dirname(d) === d) break;
  }
  return () => {
    for (const { dir: d, mode } of changed) fs.chmodSync(d, mode);
  };
}

/**
 * Runs the CLI with every file it writes capped at `kb` kB (RLIMIT_FSIZE):
 * the write past the cap raises SIGXFSZ, which ends the process mid-write,
 * a crash at the worst moment.
 */
export function cliCrashingAt(kb: number, args: string[]) {
  const res = spawnSync('bash', ['-c', `ulimit -f ${kb}; exec "$0" "$@"`, process.execPath, BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, signal: res.signal, stderr: res.stderr };
}

/** Gives `dir` (and everything in it) to `uid`, so a CLI run as that user can use the home, except where a test takes the right away. */
export function chownTree(dir: string, uid: number): void {
  const res = spawnSync('chown', ['-R', `${uid}:${uid}`, dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`chown ${dir}: ${res.stderr}`);
}

/**
 * The check after every fault: no file that was there before changed by a
 * byte or went missing. Records the count (category 'faults') before it
 * asserts, so a failing case still shows its number in the summary.
 * `moved` maps a file to where the studio kept it on purpose (a settings
 * file it moved aside): those bytes are compared there.
 */
export function expectDataKept(name: string, before: Snapshot, after: Snapshot, moved: Record<string, string> = {}): { added: string[] } {
  const seen = { ...after };
  for (const [from, to] of Object.entries(moved)) {
    seen[from] = after[to] ?? '';
    delete seen[to];
  }
  const { changed, added } = compareSnapshots(before, seen);
  recordMetric({ category: 'faults', name, filesChanged: changed.length, extra: { filesBefore: Object.keys(before).length, filesAdded: added.length } });
  expect(changed, `${name}: files of the home that changed`).toEqual([]);
  return { added };
}
