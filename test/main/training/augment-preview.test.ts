import { describe, expect, it } from 'vitest';
import { AUGMENT_PRESET_VALUES } from '../../../src/shared/augment';
import { PIXELS } from '../../../src/shared/datasets';
import type { MethodInput } from '../../../src/shared/api';
import { loadDataset } from '../../../src/main/datasets/load';
import { createStudio } from '../../../src/main/studio';
import { mnistFixtureDir } from '../../helpers/mnist-fixture';
import { call } from '../../helpers/studio-home';
import { tmpDir } from '../../helpers/tmp';

describe('train:augmentPreview', () => {
  it('shows the first digit of each class and versions of it drawn by the seed', async () => {
    const home = tmpDir();
    const studio = createStudio({ home, shell: 'web' });
    try {
      await call(studio, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' });
      const dataset = await loadDataset({ home, id: 'digits' });
      const preview = (fields: Omit<MethodInput<'train:augmentPreview'>, 'dataset'> & { dataset?: string }) =>
        call(studio, 'train:augmentPreview', { dataset: 'digits', ...fields });

      const plain = await preview({ augment: {}, variants: 3 });
      expect(Array.from(plain.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(plain.originals.length).toBe(10 * PIXELS);
      expect(plain.images.length).toBe(10 * 3 * PIXELS);
      for (let d = 0; d < 10; d++) {
        const first = dataset.train.labels.indexOf(d);
        const original = dataset.train.images.subarray(first * PIXELS, (first + 1) * PIXELS);
        expect(plain.originals.subarray(d * PIXELS, (d + 1) * PIXELS)).toEqual(original);
        // No transform: every version is the digit itself.
        for (let v = 0; v < 3; v++) expect(plain.images.subarray((d * 3 + v) * PIXELS, (d * 3 + v + 1) * PIXELS)).toEqual(original);
      }

      const a = await preview({ augment: AUGMENT_PRESET_VALUES.handwriting, digits: 4, seed: 3 });
      const again = await preview({ augment: AUGMENT_PRESET_VALUES.handwriting, digits: 4, seed: 3 });
      const other = await preview({ augment: AUGMENT_PRESET_VALUES.handwriting, digits: 4, seed: 4 });
      expect(a.labels.length).toBe(4);
      expect(a.variants).toBe(8);
      expect(again.images).toEqual(a.images);
      expect(other.images).not.toEqual(a.images);
      // Versions differ from their digit and from one another.
      const version = (v: number) => a.images.subarray(v * PIXELS, (v + 1) * PIXELS);
      expect(version(0)).not.toEqual(a.originals.subarray(0, PIXELS));
      expect(version(0)).not.toEqual(version(1));

      await expect(preview({ augment: {}, dataset: 'nope' })).rejects.toThrow(/NOT_FOUND/);
      await expect(preview({ augment: { rotate: 400 } })).rejects.toThrow(/INVALID_ARGUMENT: .*must be a number from 0 to 180/);
    } finally {
      await studio.close();
    }
  });
});
