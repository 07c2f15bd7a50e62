/**
 * `mnist-studio train --augment`: the run records its augmentation (runs
 * show, --json), and the same seed repeats the same run exactly, the
 * batches augmented in a worker thread or on the trainer's own thread.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/shared/training';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { runCli } from '../../helpers/project';
import { tmpDir } from '../../helpers/tmp';
import { requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

interface Result {
  runId: string;
  status: string;
  testAccuracy: number;
  lossHistory: number[];
  augment: Record<string, number | string> | null;
}

const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;

describe('mnist-studio train --augment', () => {
  it('records the augmentation and repeats a run for its seed, in a worker thread or not', { timeout: 180_000 }, async () => {
    const home = tmpDir();
    const args = ['train', '--home', home, '--data-dir', mnistFixtureDir(), '--epochs', '1', '--limit', '1500', '--seed', '5', '--log-every', '1', '--json'];
    const [worker, inline, plain] = await Promise.all([
      runCli([...args, '--augment', 'light,noise=0.1'], { env: { MNIST_STUDIO_AUGMENT_WORKER: '1' } }),
      runCli([...args, '--augment', 'light,noise=0.1']),
      runCli([...args, '--augment', 'none']),
    ]);
    for (const r of [worker, inline, plain]) expect(r.code, r.stderr).toBe(0);
    const a = last(worker.stdout);
    const b = last(inline.stdout);
    const c = last(plain.stdout);
    expect(a.augment).toEqual({ rotate: 10, shift: 2, scale: 0.1, shear: 0, elastic: 0, thickness: 0, noise: 0.1, text: 'rotate=10,shift=2,scale=0.1,noise=0.1' });
    expect(c.augment).toBeNull();
    expect(a.testAccuracy).toBeGreaterThan(0.7);
    // Every batch's loss: the same with the worker and without; another without augmentation.
    expect(a.lossHistory.length).toBeGreaterThan(20);
    expect(b.lossHistory).toEqual(a.lossHistory);
    expect(c.lossHistory).not.toEqual(a.lossHistory);

    const show = await runCli(['runs', 'show', a.runId, '--home', home]);
    expect(show.stdout).toMatch(/^augment\s+rotate=10,shift=2,scale=0\.1,noise=0\.1$/m);
    expect((await runCli(['runs', 'show', c.runId, '--home', home])).stdout).toMatch(/^augment\s+none$/m);
    const record = JSON.parse((await runCli(['runs', 'show', a.runId, '--home', home, '--json'])).stdout) as RunRecord;
    expect(record.config.hyperparams.augment).toMatchObject({ rotate: 10, noise: 0.1 });
  });
});
