/**
 * `train` starts its trainer before the CLI loads the rest of itself: the
 * command is read from the arguments as commander will read them, the run
 * is trained by that process. It guesses its threads and data set from the
 * command line and loads TensorFlow and reads the data before the job
 * comes; a guess the job does not confirm is not used.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf, prelaunchedFirst, prelaunchTrainer } from '../../../src/main/cli/prelaunch';
import type { TrainerProcess } from '../../../src/main/training/trainer-process';
import { runCli } from '../../helpers/project';
import { TrainingHost } from '../../../src/main/training/host';
import { forkTrainer } from '../../../src/main/training/trainer-process';
import { PRELAUNCH_ARGV_ENV } from '../../../src/main/trainer/protocol';
import { tmpDir } from '../../helpers/tmp';
import { fixtureConfig, homeWithFixture, requireBuiltTrainer } from '../../helpers/training';

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

  it('loads TensorFlow and reads the data set before the job comes, with what it guessed from the command line', { timeout: 120_000 }, async () => {
    requireBuiltTrainer();
    const home = homeWithFixture('digits', tmpDir());
    const trace = path.join(tmpDir(), 'trace.txt');
    const res = await runCli(['--home', home, 'train', '--dataset', 'digits', '--epochs', '1', '--limit', '1000', '--seed', '1', '--json'], {
      env: { MNIST_STUDIO_TRACE: trace },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout) as { intraOpThreads: string; interOpThreads: string }).toMatchObject({ intraOpThreads: '1', interOpThreads: '-1' });
    const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
    const at = (label: string) => lines.findIndex((l) => l.endsWith(label));
    expect(at('trainer: TensorFlow loaded early')).toBeGreaterThan(-1);
    // The data set was read once: the worker read the one it guessed without being asked (whether before or after
    // the job came depends on the machine's load; read-ahead.test.ts shows it is unasked), and the job confirmed it.
    expect(lines.filter((l) => l.endsWith('read-ahead: request received'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('guessed other threads'))).toBe(false);
  });

  it('reads the data set the job names when the guess was another, and trains on it', { timeout: 120_000 }, async () => {
    requireBuiltTrainer();
    const home = homeWithFixture('digits', tmpDir());
    const trace = path.join(tmpDir(), 'trace.txt');
    // A trainer whose command line named another data set (one that is not even there) than its job does.
    const argv = JSON.stringify(['--home', home, 'train', '--dataset', 'elsewhere']);
    const host = new TrainingHost({
      home,
      env: { ...process.env, MNIST_STUDIO_TRACE: trace },
      launch: (o) => forkTrainer({ ...o, env: { ...o.env, [PRELAUNCH_ARGV_ENV]: argv } }),
    });
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 500, seed: 1 }));
    const record = await host.whenFinished(runId);
    await host.close();
    expect(record.status, record.reason ?? undefined).toBe('done');
    expect(record.dataset?.trainCount).toBe(500);
    // Asked twice: the guessed set first, then the job's, by a worker of its own.
    expect(fs.readFileSync(trace, 'utf8').match(/read-ahead: request received/g)).toHaveLength(2);
  });

  it('is ended, and another trainer launched, when it guessed other threads than the run gets', { timeout: 60_000 }, async () => {
    requireBuiltTrainer();
    prelaunchTrainer(['train', '--threads', '3'], { ...process.env, MNIST_STUDIO_HOME: tmpDir() });
    const launched: string[] = [];
    const stand = { pid: 1 } as TrainerProcess;
    let seen: readonly string[] = [];
    const launch = prelaunchedFirst(
      (options) => {
        launched.push(options.entry);
        return stand;
      },
      (argv) => {
        seen = argv;
        return false;
      },
    );
    expect(launch({ entry: 'fresh', env: {} })).toBe(stand);
    expect(launched).toEqual(['fresh']);
    expect(seen).toEqual(['train', '--threads', '3']);
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
