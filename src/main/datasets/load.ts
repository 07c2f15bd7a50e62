import type { LoadedDataset } from '@shared/datasets';
import { StudioError } from '@shared/result';

/** Where to read a dataset from: the studio home's `datasets/<id>/`, or a folder of the four IDX files (`--data-dir`). */
export type DatasetSource = { home: string; id: string } | { dir: string };

/**
 * Reads and verifies the four IDX files of a dataset. Every failure is a
 * StudioError naming the file and the defect. Implemented by the Datasets
 * issue; the training engine depends only on this signature.
 */
export async function loadDataset(source: DatasetSource): Promise<LoadedDataset> {
  throw new StudioError('UNAVAILABLE', `datasets cannot be loaded yet (${'dir' in source ? source.dir : source.id})`);
}
