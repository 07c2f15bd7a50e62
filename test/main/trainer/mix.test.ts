/**
 * The mix's pure parts: the seeded per-class hold-out and the batches an
 * epoch is made of (each full batch round(share × batch) rows of the
 * mixed-in set, the rest the main set's, every main row once).
 */
import { describe, expect, it } from 'vitest';
import { Hyperparams } from '../../../src/shared/hyperparams';
import { mixRowsPerBatch, parseMixFlag, stepsPerEpoch } from '../../../src/shared/mix';
import { chooseHoldout, mixData } from '../../../src/main/trainer/data';
import { seededRandom, shuffle } from '../../../src/main/trainer/random';

const labels = Uint8Array.from({ length: 47 }, (_, i) => i % 10);

describe('mixing a data set into each batch', () => {
  it('validates the settings with errors that name the field', () => {
    expect(Hyperparams.parse({ mix: { dataset: 'my-hand' } }).mix).toEqual({ dataset: 'my-hand', share: 0.25, holdout: 0.3 });
    for (const [mix, field] of [
      [{ dataset: 'my-hand', share: 1 }, 'mix.share'],
      [{ dataset: 'my-hand', share: 0 }, 'mix.share'],
      [{ dataset: 'my-hand', holdout: 1 }, 'mix.holdout'],
      [{ dataset: 'my-hand', holdout: -0.5 }, 'mix.holdout'],
      [{ dataset: '../up' }, 'mix.dataset'],
      [{ dataset: 'x', other: 1 }, 'mix'],
    ] as const) {
      const res = Hyperparams.safeParse({ mix });
      expect(res.success, JSON.stringify(mix)).toBe(false);
      expect(res.error!.issues[0]!.path.join('.'), JSON.stringify(mix)).toBe(field);
    }
    expect(parseMixFlag('my-hand:0.4')).toEqual({ dataset: 'my-hand', share: 0.4 });
    expect(parseMixFlag('my-hand')).toEqual({ dataset: 'my-hand' });
    expect(() => parseMixFlag('a:b:c')).toThrow(/DATASET\[:SHARE\]/);
  });

  it('holds out round(h × n) of each class, the same rows for the same seed', () => {
    const a = chooseHoldout(labels, 0.3, seededRandom(5));
    const b = chooseHoldout(labels, 0.3, seededRandom(5));
    expect(Array.from(a.holdout)).toEqual(Array.from(b.holdout));
    for (let c = 0; c < 10; c++) {
      const n = labels.filter((l) => l === c).length;
      expect(Array.from(a.holdout).filter((r) => labels[r] === c)).toHaveLength(Math.round(n * 0.3));
    }
    expect(new Set([...a.train, ...a.holdout]).size).toBe(labels.length);
    expect(chooseHoldout(labels, 0, seededRandom(5)).holdout).toHaveLength(0);
  });

  it('builds each epoch of full batches with the share of mixed-in rows, every main row once, never a held-out row', () => {
    const main = 1000;
    const batch = 64;
    const mix = mixData(labels, main, { dataset: 'hand', share: 0.25, holdout: 0.3 }, batch, seededRandom(9), 'hand');
    expect(mix.rowsPerBatch).toBe(16);
    expect(mixRowsPerBatch(0.01, 64)).toBe(1);
    expect(mixRowsPerBatch(0.99, 4)).toBe(3);
    const order = shuffle(
      Int32Array.from({ length: main }, (_, i) => i),
      seededRandom(1),
    );
    const steps = stepsPerEpoch(main, batch, mix.rowsPerBatch);
    expect(steps).toBe(Math.ceil(1000 / 48));
    const epoch = mix.interleave(order, batch);
    const held = new Set(mix.holdoutIndices);
    const seen: number[] = [];
    for (let s = 0; s < steps; s++) {
      const rows = Array.from(epoch.subarray(s * batch, (s + 1) * batch));
      const mixed = rows.filter((r) => r >= main);
      if (s < steps - 1) {
        expect(rows).toHaveLength(batch);
        expect(mixed).toHaveLength(16);
      } else {
        // The short last batch: 1000 − 20·48 = 40 main rows and its share of the set's (round(40 · 16/48) = 13).
        expect(rows).toHaveLength(40 + 13);
      }
      for (const r of mixed) expect(held.has(r)).toBe(false);
      seen.push(...rows.filter((r) => r < main));
    }
    expect(epoch.length).toBe((steps - 1) * batch + 53);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: main }, (_, i) => i));
    // The set's training rows are drawn a pass at a time: within one pass none repeats.
    const firstPass = Array.from(epoch)
      .filter((r) => r >= main)
      .slice(0, mix.trainIndices.length);
    expect(new Set(firstPass).size).toBe(mix.trainIndices.length);
  });
});
