import { beforeAll, describe, expect, it } from 'vitest';
import { ModelLibrary } from '../../../src/main/models/library';
import { ModelWorker } from '../../../src/main/models/worker';
import { TrainingHost } from '../../../src/main/training/host';
import { tmpDir } from '../../helpers/tmp';
import { fixtureConfig, nextEvent, requireBuiltTrainer } from '../../helpers/training';

beforeAll(requireBuiltTrainer);

describe('train:firstLayer: the first layer of the model a real trainer is training', () => {
  it('changes from epoch to epoch, holds still while paused, and is the saved model’s once stopped', async () => {
    const home = tmpDir();
    const host = new TrainingHost({ home });
    const { runId } = await host.start(fixtureConfig({ epochs: 500, batchSize: 32, logEvery: 20, seed: 12 }));
    await expect(host.firstLayer('not-the-run', 32)).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'runId' });

    await nextEvent(host, 'epoch', (e) => e.epoch >= 1);
    const first = (await host.firstLayer(runId, 32))!;
    expect(first).toMatchObject({ kind: 'dense', total: 128, shown: 32, width: 28, height: 28 });
    expect(first.pixels).toHaveLength(32 * 784);
    await nextEvent(host, 'epoch', (e) => e.epoch >= 3);
    const later = (await host.firstLayer(runId, 32))!;
    expect(Buffer.from(later.pixels).equals(Buffer.from(first.pixels))).toBe(false);

    host.pause(runId);
    await nextEvent(host, 'activity', (e) => e.activity === 'paused');
    const paused = (await host.firstLayer(runId, 32))!;
    host.stop(runId);
    const record = await host.whenFinished(runId);
    await expect(host.firstLayer(runId, 32)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const worker = new ModelWorker();
    try {
      const saved = (await new ModelLibrary(home, worker).firstLayer(record.modelId!, 32))!;
      expect(Array.from(saved.pixels)).toEqual(Array.from(paused.pixels));
      Array.from(saved.scale).forEach((s, i) => expect(s).toBeCloseTo(paused.scale[i]!, 6));
    } finally {
      worker.close();
    }
  }, 180_000);
});
