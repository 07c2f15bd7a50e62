import type { ChartPoint } from './types';

/** TensorBoard's default smoothing weight. */
export const DEFAULT_SMOOTHING = 0.6;

/**
 * TensorBoard's scalar smoothing: an exponential moving average with weight
 * `weight` (0 = none, towards 1 = smoother), debiased so the first points
 * are not dragged towards 0 by the average's zero start. Non-finite values
 * are kept as they are and left out of the average.
 */
export function smoothEma(points: readonly ChartPoint[], weight: number): ChartPoint[] {
  if (weight <= 0) return points.slice();
  let last = 0;
  let count = 0;
  return points.map((p) => {
    if (!Number.isFinite(p.y)) return { x: p.x, y: p.y };
    last = last * weight + (1 - weight) * p.y;
    count++;
    return { x: p.x, y: last / (1 - weight ** count) };
  });
}
