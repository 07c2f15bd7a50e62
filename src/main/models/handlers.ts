import type { DomainHandlers, StudioContext } from '../studio-context';
import type { TrainerLauncher } from '../training/trainer-process';
import { ModelLibrary } from './library';
import { ModelWorker } from './worker';

/** The `models` domain: the library in the studio home; evaluation and prediction in one worker process, ended with the studio. */
export function modelHandlers(ctx: StudioContext, launch?: TrainerLauncher): DomainHandlers<'models'> {
  const worker = new ModelWorker(launch ? { launch } : {});
  const library = new ModelLibrary(ctx.home, worker);
  ctx.onClose(() => worker.close());
  return {
    'models:list': async () => library.list(),
    'models:get': async ({ id }) => library.get(id),
    'models:rename': async ({ id, name }) => library.rename(id, name),
    'models:delete': async ({ id }) => library.delete(id),
    'models:import': async ({ path, name, normalization }) => library.import({ path, name, normalization }),
    'models:export': async ({ id, format, path, overwrite }) => library.export(id, format, path, overwrite),
    'models:download': async ({ id, format }) => library.download(id, format),
    'models:evaluate': async ({ id, dataset }) => library.evaluate(id, dataset),
    'models:predict': async ({ id, image, preprocess }) => library.predict(id, image, preprocess),
  };
}
