/**
 * Digits as a hand on the drawing pad makes them: strokes of points in pad
 * pixels (0–280), for personal-set tests and the Write screen's e2e test.
 * Each digit is a few polylines, jittered by `seed` so no two are alike.
 */
import { seededRandom } from '../../src/main/trainer/random';

type Pt = [number, number];

function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number, steps = 16): Pt[] {
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = from + ((to - from) * i) / steps;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Pt;
  });
}

const SHAPES: Record<number, Pt[][]> = {
  0: [arc(140, 140, 55, 85, 0, Math.PI * 2, 28)],
  1: [
    [
      [120, 80],
      [150, 55],
      [150, 225],
    ],
  ],
  2: [[...arc(140, 100, 50, 45, Math.PI * 1.1, Math.PI * 2.25, 12), [90, 225], [200, 225]]],
  3: [[...arc(135, 95, 50, 40, Math.PI * 1.15, Math.PI * 2.5, 12), ...arc(135, 180, 55, 45, Math.PI * 1.5, Math.PI * 2.85, 12)]],
  4: [
    [
      [160, 50],
      [85, 170],
      [205, 170],
    ],
    [
      [170, 110],
      [170, 230],
    ],
  ],
  5: [[[195, 55], [110, 55], [100, 130], ...arc(140, 175, 60, 50, Math.PI * 1.3, Math.PI * 2.8, 14)]],
  6: [[...arc(170, 120, 70, 80, Math.PI * 1.45, Math.PI * 1.0, 8), ...arc(140, 180, 45, 45, Math.PI, Math.PI * 3, 20)]],
  7: [
    [
      [85, 60],
      [200, 60],
      [125, 230],
    ],
  ],
  8: [[...arc(140, 95, 42, 40, Math.PI * 0.5, Math.PI * 2.5, 20)], [...arc(140, 180, 52, 48, Math.PI * 1.5, Math.PI * 3.5, 20)]],
  9: [[...arc(140, 100, 45, 42, 0, Math.PI * 2, 20), [185, 100], [170, 230]]],
};

/** The strokes of `digit` (flat x, y pairs), jittered by `seed`: shifted, scaled and wobbled a little. */
export function drawnDigit(digit: number, seed = 1): number[][] {
  const rand = seededRandom(seed * 97 + digit);
  const dx = (rand() - 0.5) * 40;
  const dy = (rand() - 0.5) * 30;
  const s = 0.85 + rand() * 0.25;
  const clamp = (v: number) => Math.max(0, Math.min(280, v));
  return SHAPES[digit]!.map((stroke) => stroke.flatMap(([x, y]) => [clamp(140 + (x - 140) * s + dx + (rand() - 0.5) * 3), clamp(140 + (y - 140) * s + dy + (rand() - 0.5) * 3)]));
}
