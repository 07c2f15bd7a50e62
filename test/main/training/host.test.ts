import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../../src/shared/models';
import { modelDir } from '../../../src/main/models/store';
import { TrainingHost } from '../../../src/main/training/host';
import { newRunRecord, readRun, runDir, runsDir, saveRun } from '../../../src/main/training/runs-store';
import { tmpDir } from '../../helpers/tmp';
import { collectEvents, expectFolderFiles, fixtureConfig, nextEvent, recordingLauncher, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

describe('the training host, with real trainer processes', () => {
  it('answers start at once, refuses a second start, pauses, resumes and stops between batches, and keeps the stopped run’s model', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const events = collectEvents(host);
    const t0 = performance.now();
    const { runId, config } = await host.start(fixtureConfig({ epochs: 20, batchSize: 16, logEvery: 20, seed: 3 }));
    // At once: long before the first batch (it includes a fork and an fsync, slow on a busy machine).
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(config.hyperparams.seed).toBe(3);
    expect(host.status()).toMatchObject({ runId, state: 'starting', epochs: 20 });
    await expect(host.start(fixtureConfig())).rejects.toMatchObject({ code: 'BUSY' });

    await nextEvent(host, 'batch');
    host.pause(runId);
    await nextEvent(host, 'activity', (e) => e.activity === 'paused');
    expect(host.status().state).toBe('paused');
    const heldAt = events.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(events.slice(heldAt).filter((e) => e.kind === 'batch' || e.kind === 'progress')).toEqual([]);
    host.resume(runId);
    await nextEvent(host, 'activity', (e) => e.activity === 'running');
    await nextEvent(host, 'batch');
    host.stop(runId);
    const record = await host.whenFinished(runId);

    expect(record.status).toBe('stopped');
    // Trained on the native path, whose weights land in the layers model that is evaluated and saved (untrained: ~10%).
    expect(record.environment?.trainingPath).toBe('native');
    expect(record.epochsDone).toBeLessThan(20);
    expect(record.evaluation?.count).toBe(2000);
    expect(record.testAccuracy).toBeGreaterThan(0.5);
    expect(record.modelId).toBeTruthy();
    expectFolderFiles(modelDir(home, record.modelId!), Object.values(MODEL_FILES));
    const meta = JSON.parse(fs.readFileSync(path.join(modelDir(home, record.modelId!), MODEL_FILES.metadata), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ runId, stoppedEarly: true, testAccuracy: record.testAccuracy, normalization: { mean: 0.1307, std: 0.3081 } });
    expect(await readRun(home, runId)).toEqual(record);
    expect(events.at(-1)).toMatchObject({ kind: 'done', status: 'stopped', modelId: record.modelId });
    expect(host.status()).toMatchObject({ runId: null, state: 'idle' });
  });

  it('turns a killed trainer into a failed run with the reason, and takes the next run', async () => {
    const home = tmpDir();
    const { launch, children } = recordingLauncher();
    const host = new TrainingHost({ home, launch });
    const { runId } = await host.start(fixtureConfig({ epochs: 50, batchSize: 16 }));
    await nextEvent(host, 'progress');
    process.kill(children[0]!.pid!, 'SIGKILL');
    const failed = await host.whenFinished(runId);
    expect(failed).toMatchObject({ status: 'failed', modelId: null, reason: expect.stringMatching(/^the trainer process was killed \(SIGKILL\) before the run finished/) });
    expect((await readRun(home, runId)).status).toBe('failed');
    expect(fs.existsSync(path.join(home, 'models')) ? fs.readdirSync(path.join(home, 'models')) : []).toEqual([]);

    const next = await host.start(fixtureConfig({ epochs: 1, limit: 500 }));
    expect((await host.whenFinished(next.runId)).status).toBe('done');
  });

  it('keeps the live tensor count flat across epochs, and fails a diverging run saying where and why', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const events = collectEvents(host);
    const ok = await host.start(fixtureConfig({ epochs: 4, limit: 1200, validationSplit: 0.25, logEvery: 10, seed: 5 }));
    const done = await host.whenFinished(ok.runId);
    expect(done.status).toBe('done');
    const tensors = events.flatMap((e) => (e.kind === 'epoch' ? [e.tensors] : []));
    expect(tensors).toHaveLength(4);
    expect(new Set(tensors).size).toBe(1);
    expect(done.metrics.epochs.every((e) => e.validationAccuracy !== null)).toBe(true);
    expect(done.dataset).toMatchObject({ trainCount: 900, validationCount: 300, testCount: 2000 });

    const nan = await host.start(fixtureConfig({ epochs: 1, limit: 2000, learningRate: 10, optimizer: 'sgd', logEvery: 10, seed: 1 }));
    const failed = await host.whenFinished(nan.runId);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/^the loss became (NaN|Infinity|-Infinity) at epoch 1, step \d+: training diverged; lower the learning rate \(now 10\)/);
    expect(failed.modelId).toBeNull();
  });

  it('refuses an unknown dataset before writing anything, naming the field', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const config = { ...fixtureConfig(), dataset: { id: 'nope' } };
    await expect(host.start(config)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'dataset.id', message: expect.stringMatching(/^dataset "nope" is not installed/) });
    await expect(host.start({ ...config, dataset: { dir: home } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'dataset.dir',
      message: expect.stringContaining('lacks train-images-idx3-ubyte(.gz)'),
    });
    expect(fs.readdirSync(home)).toEqual([]);
    expect(host.status().state).toBe('idle');
  });

  it('marks a run left running by a dead process as failed at start-up, and leaves a live process’s run alone', async () => {
    const home = tmpDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    const config = { ...fixtureConfig(), hyperparams: { ...fixtureConfig().hyperparams, seed: 1 } };
    const record = (id: string, hostPid: number) => newRunRecord(id, config, hostPid);
    await saveRun(home, record('crashed', deadPid));
    await saveRun(home, record('elsewhere', process.ppid));
    const host = new TrainingHost({ home });
    await host.ready;
    expect(await readRun(home, 'crashed')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^interrupted: /), metrics: { batches: [], epochs: [] } });
    expect((await readRun(home, 'elsewhere')).status).toBe('running');
    expect(fs.readdirSync(runsDir(home)).sort()).toEqual(['crashed', 'elsewhere']);
    expect(fs.existsSync(runDir(home, 'crashed'))).toBe(true);
  });

  it('trains a network with convolutions and dropout from a custom spec', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home, env: { ...process.env, TF_NUM_INTRAOP_THREADS: '' } });
    const spec = {
      name: 'small conv',
      layers: [
        { type: 'conv2d' as const, filters: 4, kernelSize: 3, strides: 1, padding: 'valid' as const, activation: 'relu' as const },
        { type: 'maxPooling2d' as const, poolSize: 2 },
        { type: 'flatten' as const },
        { type: 'dropout' as const, rate: 0.25 },
        { type: 'dense' as const, units: 10, activation: 'linear' as const },
      ],
    };
    const { runId } = await host.start(fixtureConfig({ epochs: 1, limit: 1000, optimizer: 'rmsprop', loss: 'mse', learningRate: 0.003 }, spec));
    const record = await host.whenFinished(runId);
    expect(record).toMatchObject({ status: 'done', modelName: 'small conv', params: 6810, environment: { trainingPath: 'native' } });
    // 24k multiply-adds an image in its convolution: at batch 64 too little work per op for a second thread.
    expect(record.environment).toMatchObject({ intraOpThreads: '1', intraOpThreadsFrom: 'auto' });
    expect(record.testAccuracy).toBeGreaterThan(0.3);
  });
});
