import { DATASETS } from '@shared/datasets';
import type { DomainHandlers, StudioContext } from '../studio-context';
import { datasetImages } from './images';
import { datasetInfo } from './info';
import { importDataset } from './import';
import { DownloadManager } from './download';
import { listDatasets } from './store';

/** The `datasets` domain: list, download (joined per dataset), cancel, import, info, images. */
export function datasetHandlers(ctx: StudioContext): DomainHandlers<'datasets'> {
  const downloads = new DownloadManager(ctx.home, (event) => ctx.events.emit('download', event));
  ctx.onClose(() => downloads.close());
  return {
    'datasets:list': async () => listDatasets(ctx.home),
    'datasets:download': async ({ id, mirrors, defaultMirrors }) => {
      const spec = DATASETS[id];
      // Mirrors named in the call first, then those the user keeps in settings, then the registry's.
      const ordered = [...new Set([...mirrors, ...ctx.settings.read().mirrors, ...(defaultMirrors ? spec.mirrors : [])])];
      return downloads.download(spec, ordered);
    },
    'datasets:cancel': async ({ id }) => ({ cancelled: downloads.cancel(id) }),
    'datasets:import': async ({ paths, name }) => importDataset({ home: ctx.home, paths, name }),
    'datasets:info': async ({ id, samplesPerClass }) => datasetInfo(ctx.home, id, samplesPerClass),
    'datasets:images': async (input) => datasetImages(ctx.home, input),
  };
}
