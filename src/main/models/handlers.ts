import path from 'node:path';
import { EXPORT_EXTENSIONS } from '@shared/models-api';
import { needDialogs, type DomainHandlers, type StudioContext } from '../studio-context';
import type { TrainerLauncher } from '../training/trainer-process';
import { namingUpload, sessionOf } from '../uploads';
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
    'models:import': async ({ path, name, normalization, dataset }) => library.import({ path, name, normalization, dataset }),
    'models:importFromDialog': async ({ from, title, name, normalization, dataset }) => {
      const dialogs = needDialogs(ctx);
      const chosen =
        from === 'folder'
          ? await dialogs.pickFolder(title)
          : await dialogs.pickFile(title, from === 'onnx' ? [{ name: 'ONNX', extensions: ['onnx'] }] : [{ name: 'ZIP, Keras', extensions: ['zip', 'keras', 'h5'] }]);
      return { imported: chosen === null ? null : await library.import({ path: chosen, name, normalization, dataset }) };
    },
    'models:importUpload': async ({ uploadId, name, normalization, dataset }, caller) =>
      ctx.uploads.consume(sessionOf(caller), uploadId, 'model', async ({ dir, names }) => {
        // One .zip, Keras file (.keras, .h5) or .onnx, or a TF.js folder's files (model.json among them).
        const zip = names.length === 1 && /\.(zip|keras|h5|hdf5|onnx)$/i.test(names[0]!) ? names[0]! : null;
        try {
          return await library.import({ path: zip ? path.join(dir, zip) : dir, name, normalization, dataset, source: zip ?? 'upload' });
        } catch (err) {
          throw namingUpload(err, dir);
        }
      }),
    'models:export': async ({ id, format, path, overwrite, onnx }) => library.export(id, format, path, overwrite, onnx),
    'models:saveAs': async ({ id, format, title, filterName }) => {
      const dialogs = needDialogs(ctx);
      const extension = EXPORT_EXTENSIONS[format];
      const dest = await dialogs.pickSavePath(title, await library.fileName(id, format), [{ name: filterName ?? extension.toUpperCase(), extensions: [extension] }]);
      if (dest === null) return { saved: null };
      // The save dialog asked before replacing a file; a folder is still never replaced (see exportModel).
      await library.export(id, format, dest, true);
      return { saved: path.basename(dest) };
    },
    'models:download': async ({ id, format }) => library.download(id, format),
    'models:evaluate': async ({ id, dataset }) => library.evaluate(id, dataset),
    'models:embed': async (input) => library.embed(input),
    'models:predict': async ({ id, image, preprocess }) => library.predict(id, image, preprocess),
    'models:explain': async ({ id, image, preprocess, class: classIndex, steps }) => library.explain(id, image, preprocess, classIndex ?? null, steps),
    'models:firstLayer': async ({ id, limit }) => ({ firstLayer: await library.firstLayer(id, limit) }),
  };
}
