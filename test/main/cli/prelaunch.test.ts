/**
 * `train` starts its trainer before the CLI loads the rest of itself: the
 * command is read from the arguments as commander will read them, the run
 * is trained by that process, and the threads the run needs reach it with
 * the job (set before TensorFlow loads).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf } from '../../../src/main/cli/prelaunch';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

describe('the prelaunched trainer of `train`', () => {
  it('reads the command after the global options', () => {
    expect(commandOf(['train', '--epochs', '1'])).toBe('train');
    expect(commandOf(['--home', '/tmp/train', 'train'])).toBe('train');
    expect(commandOf(['--home=/x', 'runs', 'list'])).toBe('runs');
    expect(commandOf(['--home', 'train', 'runs'])).toBe('runs');
    expect(commandOf(['-v'])).toBeNull();
    expect(commandOf([])).toBeNull();
  });

  it('trains the run, with the threads it asks for', { timeout: 120_000 }, async () => {
    requireBuiltTrainer();
    const home = homeWithFixture('digits', tmpDir());
    const trace = path.join(tmpDir(), 'trace.txt');
    const res = await runCli(['--home', home, 'train', '--dataset', 'digits', '--epochs', '1', '--limit', '1000', '--threads', '2', '--seed', '1', '--json'], {
      env: { MNIST_STUDIO_TRACE: trace },
    });
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as { status: string; intraOpThreads: string; interOpThreads: string };
    expect(result.status).toBe('done');
    // What the trainer's TensorFlow was started with: the job's threads, not the prelaunched process's environment.
    expect(result.intraOpThreads).toBe('2');
    // The tutorial's small step runs its ops in the trainer's own thread.
    expect(result.interOpThreads).toBe('-1');
    const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
    const prelaunched = /cli: trainer prelaunched (\d+)$/.exec(lines.find((l) => l.includes('cli: trainer prelaunched')) ?? '')?.[1];
    expect(prelaunched).toBeDefined();
    // The process that loaded TensorFlow and trained is the one started first.
    expect(lines.find((l) => l.endsWith('trainer: training done'))?.split(' ')[1]).toBe(prelaunched);
  });

  it('is ended when `train` stops at a usage error, so the command exits at once', { timeout: 60_000 }, async () => {
    const res = await runCli(['--home', tmpDir(), 'train', '--epochs', 'many'], { timeoutMs: 20_000 });
    expect(res.signal).toBeNull();
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--epochs');
  });

  it('is not started for another command, nor for train --help', { timeout: 60_000 }, async () => {
    const trace = path.join(tmpDir(), 'trace.txt');
    for (const args of [
      ['--home', tmpDir(), 'runs', 'list'],
      ['train', '--help'],
    ]) {
      const res = await runCli(args, { env: { MNIST_STUDIO_TRACE: trace } });
      expect(res.code, res.stderr).toBe(0);
    }
    expect(fs.readFileSync(trace, 'utf8')).not.toContain('prelaunched');
  });
});
