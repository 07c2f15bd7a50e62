import { StudioError } from '@shared/result';
import { readMetadata } from '../models/store';
import { augmentPreview } from './augment-preview';
import type { DomainHandlers, StudioContext } from '../studio-context';
import { TrainingHost } from './host';
import { readHistograms } from './histograms-store';
import { deleteRun, listRuns, readRun, summarize } from './runs-store';
import { TrainEventThrottle } from './throttle';
import type { TrainerLauncher } from './trainer-process';

/**
 * The `train` and `runs` domains. One host per studio; its events reach the
 * windows through a throttle, and closing the studio stops the run.
 */
export function trainingHandlers(ctx: StudioContext, launch?: TrainerLauncher, warm = false): DomainHandlers<'train' | 'runs'> {
  const host = new TrainingHost({ home: ctx.home, warm, ...(launch ? { launch } : {}) });
  const throttle = new TrainEventThrottle((event) => ctx.events.emit('train', event));
  const off = host.on((event) => throttle.push(event));
  const offInstalled = ctx.datasetInstalled.on(() => host.datasetInstalled());
  ctx.onClose(async () => {
    offInstalled();
    await host.close();
    off();
    throttle.dispose();
  });
  return {
    // Fine-tuning may leave the network out: it is the parent model's (the host checks a given one matches).
    'train:start': async ({ model, ...input }) => ({ runId: (await host.start({ ...input, model: model ?? (await readMetadata(ctx.home, input.fromModel!)).spec })).runId }),
    'train:pause': async ({ runId }) => host.pause(runId),
    'train:resume': async ({ runId }) => host.resume(runId),
    'train:stop': async ({ runId }) => host.stop(runId),
    'train:status': async () => host.status(),
    'train:augmentPreview': async (input) => augmentPreview(ctx.home, input),
    'train:predict': async ({ runId, image, preprocess }) => host.predict(runId, { image, preprocess }),
    'train:explain': async ({ runId, image, preprocess, class: classIndex, steps }) => host.explain(runId, { image, preprocess, classIndex: classIndex ?? null, steps }),
    'train:firstLayer': async ({ runId, limit }) => ({ firstLayer: await host.firstLayer(runId, limit) }),
    'runs:list': async () => {
      await host.ready;
      const runs = await listRuns(ctx.home);
      const active = host.activeRunId ? host.snapshot(host.activeRunId) : null;
      return active ? runs.map((run) => (run.id === active.id ? summarize(active) : run)) : runs;
    },
    'runs:get': async ({ id }) => {
      await host.ready;
      return host.snapshot(id) ?? readRun(ctx.home, id);
    },
    'runs:histograms': async ({ id }) => ({ histograms: await readHistograms(ctx.home, id) }),
    'runs:delete': async ({ id }) => {
      await host.ready;
      if (host.activeRunId === id) throw new StudioError('BUSY', `run ${id} is training; stop it first`, 'id');
      await deleteRun(ctx.home, id);
      return { id };
    },
  };
}
