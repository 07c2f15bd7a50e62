/**
 * The trainer's own seeded randomness. Shuffling, the validation split,
 * weight initialisation and dropout all draw from streams derived from the
 * run's seed, so the same seed repeats a run exactly.
 */
import { MAX_SEED } from '@shared/hyperparams';

/** mulberry32: small, fast, and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for a tfjs initialiser or op from a stream. Never 0: tfjs's
 * normal and truncated-normal generators treat a seed of 0 as "no seed"
 * and fall back to Math.random.
 */
export function nextSeed(rand: () => number): number {
  return 1 + Math.floor(rand() * (MAX_SEED - 1));
}

/** Fisher–Yates, in place. */
export function shuffle<T extends { length: number; [i: number]: number }>(items: T, rand: () => number): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** Independent streams for each use, so adding a dropout layer does not change the shuffling. */
export function runStreams(seed: number): {
  init: () => number;
  split: () => number;
  shuffle: () => number;
  dropout: () => number;
  augment: () => number;
  /** The mixed-in set's hold-out split, then its rows' order in the batches. */
  mix: () => number;
} {
  const root = seededRandom(seed);
  // Drawn in this order: a new stream goes last, so the earlier ones keep their seeds.
  return {
    init: seededRandom(nextSeed(root)),
    split: seededRandom(nextSeed(root)),
    shuffle: seededRandom(nextSeed(root)),
    dropout: seededRandom(nextSeed(root)),
    augment: seededRandom(nextSeed(root)),
    mix: seededRandom(nextSeed(root)),
  };
}
