import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../../src/shared/models';
import { modelDir } from '../../../src/main/models/store';
import { TrainingHost } from '../../../src/main/training/host';
import type { TrainerProcess } from '../../../src/main/training/trainer-process';
import { tmpDir } from '../../helpers/tmp';
import { fixtureConfig, recordingLauncher, requireBuiltTrainer } from '../../helpers/training';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { presetSpec } from '../../../src/shared/model-spec';
import { dispatch } from '../../../src/main/dispatch';
import { createStudio } from '../../../src/main/studio';

beforeAll(requireBuiltTrainer);

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (child: TrainerProcess) => {
  try {
    process.kill(child.pid!, 0);
    return true;
  } catch {
    return false;
  }
};

/** The weight names a saved model's model.json lists. */
function weightNames(home: string, modelId: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(modelDir(home, modelId), MODEL_FILES.topology), 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
  return json.weightsManifest.flatMap((group) => group.weights.map((w) => w.name));
}

describe('a warm trainer (a spare process kept ready by the host)', () => {
  it('is used by a run and the next one, trains the same numbers as a cold trainer, and leaves no process behind on close', async () => {
    const home = tmpDir();
    const { launch, children } = recordingLauncher();
    const host = new TrainingHost({ home, launch, warm: true });
    await until('the spare trainer', () => host.sparePid !== undefined);
    expect(children).toHaveLength(1);
    const config = fixtureConfig({ epochs: 1, limit: 1000, logEvery: 5, seed: 11 });
    const first = await host.start(config);
    // The spare trains it: no process launched for the run.
    expect(children).toHaveLength(1);
    const a = await host.whenFinished(first.runId);
    expect(a.status).toBe('done');
    expect(a.environment).toMatchObject({ trainingPath: 'native', trainingPathCause: 'self-test-passed' });

    // A new spare for the next run, made ready for the last run's dataset.
    await until('the next spare trainer', () => host.sparePid !== undefined);
    expect(children).toHaveLength(2);
    expect(host.sparePid).toBe(children[1]!.pid);
    // Time for it to read the dataset and make its tensors before Start.
    await new Promise((r) => setTimeout(r, 3000));
    const second = await host.start(config);
    expect(children).toHaveLength(2);
    const b = await host.whenFinished(second.runId);
    expect(b.status).toBe('done');

    // A cold trainer (no spare) trains the very same run: prepared tensors and a kept self-test verdict change no number.
    const coldHome = tmpDir();
    const cold = new TrainingHost({ home: coldHome });
    const c = await cold.whenFinished((await cold.start(config)).runId);
    await cold.close();
    for (const warm of [a, b]) {
      expect(warm.metrics.losses).toEqual(c.metrics.losses);
      expect(warm.testLoss).toBe(c.testLoss);
      expect(warm.testAccuracy).toBe(c.testAccuracy);
      // The warm-up's models took no layer names: the saved model is named as a cold trainer's.
      expect(weightNames(home, warm.modelId!)).toEqual(weightNames(coldHome, c.modelId!));
    }
    expect(weightNames(coldHome, c.modelId!)[0]).toMatch(/^dense_Dense1\//);

    await until('the third spare trainer', () => host.sparePid !== undefined);
    await host.close();
    await until('every trainer process to end', () => children.every((child) => !alive(child)), 10_000);
    expect(host.sparePid).toBeUndefined();
  }, 300_000);

  it('falls back to a trainer of its own when the spare died before Start', async () => {
    const home = tmpDir();
    const { launch, children } = recordingLauncher();
    const host = new TrainingHost({ home, launch, warm: true });
    await until('the spare trainer', () => host.sparePid !== undefined);
    const exited = new Promise<void>((resolve) => children[0]!.onExit(() => resolve()));
    process.kill(children[0]!.pid!, 'SIGKILL');
    await exited;
    expect(host.sparePid).toBeUndefined();
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 500, seed: 2 }));
    expect(children).toHaveLength(2);
    expect((await host.whenFinished(runId)).status).toBe('done');
    await host.close();
    await until('every trainer process to end', () => children.every((child) => !alive(child)), 10_000);
  }, 120_000);

  it('does not use a spare started with other threads than the run needs', async () => {
    const home = tmpDir();
    const { launch, children } = recordingLauncher();
    const host = new TrainingHost({ home, launch, warm: true });
    await until('the spare trainer', () => host.sparePid !== undefined);
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 500, seed: 2, threads: 2 }));
    expect(children).toHaveLength(2);
    const record = await host.whenFinished(runId);
    expect(record.status).toBe('done');
    expect(record.environment?.intraOpThreads).toBe('2');
    await until('the mismatched spare to end', () => !alive(children[0]!), 10_000);
    await host.close();
    await until('every trainer process to end', () => children.every((child) => !alive(child)), 10_000);
  }, 120_000);

  it('does not use a spare with the same intra-op threads but other inter-op threads', async () => {
    const home = tmpDir();
    const { launch, children } = recordingLauncher();
    const host = new TrainingHost({ home, launch, warm: true, env: { ...process.env, TF_NUM_INTRAOP_THREADS: '', TF_NUM_INTEROP_THREADS: '' } });
    await until('the spare trainer', () => host.sparePid !== undefined);
    // The spare is for the tutorial's run (batch 64: one intra-op thread, ops in the trainer's thread); at 512 the
    // mlp is split in two towers: one intra-op thread each, and the inter-op pool to run them side by side.
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 1024, seed: 2, batchSize: 512 }));
    expect(children).toHaveLength(2);
    const record = await host.whenFinished(runId);
    expect(record.status).toBe('done');
    expect(record.environment).toMatchObject({ intraOpThreads: '1', interOpThreads: 'default' });
    await until('the mismatched spare to end', () => !alive(children[0]!), 10_000);
    await host.close();
    await until('every trainer process to end', () => children.every((child) => !alive(child)), 10_000);
  }, 120_000);

  it('is readied for a data set imported after the studio opened: the first run after it trains on the spare’s prepared tensors', async () => {
    const home = tmpDir();
    const trace = path.join(tmpDir(), 'trace.txt');
    const marks = () => (fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8') : '');
    // The spare inherits the variable: its marks say what it prepared, and what the run took from it.
    const before = process.env.MNIST_STUDIO_TRACE;
    process.env.MNIST_STUDIO_TRACE = trace;
    const studio = createStudio({ home, shell: 'web', warmTrainer: true });
    try {
      // A new user's studio: no data set yet, so the spare was told of none.
      await until('the spare to load TensorFlow', () => marks().includes('trainer: modules loaded'));
      const imported = await dispatch(studio.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' });
      expect(imported.ok).toBe(true);
      await until('the spare’s tensors of the imported set', () => marks().includes('warm: tensors ready (digits)'), 60_000);
      const started = await dispatch(
        studio.handlers,
        'train:start',
        { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 1000, seed: 3 } },
        { shell: 'web' },
      );
      expect(started.ok).toBe(true);
      await until('the run to end', () => marks().includes('trainer: model saved'), 60_000);
      expect(marks()).toContain('trainer: tensors from the warm cache');
    } finally {
      await studio.close();
      if (before === undefined) delete process.env.MNIST_STUDIO_TRACE;
      else process.env.MNIST_STUDIO_TRACE = before;
    }
  }, 120_000);
});
