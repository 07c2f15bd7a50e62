import type { Trial } from '@shared/sweeps';

/**
 * How a sweep's charts place values: one axis per varied option, numbers
 * on a linear or (when they span a factor of 10 or more) a log scale,
 * anything else in the order the sweep lists it. Positions are 0..1.
 */
export interface SweepAxis {
  name: string;
  values: unknown[];
  position(value: unknown): number;
  label(value: unknown): string;
}

const text = (v: unknown) => (Array.isArray(v) ? v.join('×') : String(v));

export function axisFor(name: string, values: unknown[]): SweepAxis {
  const numeric = values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (numeric && values.length > 1) {
    const nums = values as number[];
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const log = lo > 0 && hi / lo >= 10;
    const f = (x: number) => (log ? Math.log(x) : x);
    const span = f(hi) - f(lo) || 1;
    return { name, values, label: text, position: (v) => (f(v as number) - f(lo)) / span };
  }
  const keys = values.map(text);
  return { name, values, label: text, position: (v) => (keys.length > 1 ? keys.indexOf(text(v)) / (keys.length - 1) : 0.5) };
}

/** The metric's axis over the trials that have one; `better` is 1 for the best. */
export function metricScale(trials: Trial[], higherIsBetter: boolean): { lo: number; hi: number; better(v: number): number } {
  const ms = trials.map((t) => t.metric).filter((m): m is number => m !== null && Number.isFinite(m));
  const lo = ms.length ? Math.min(...ms) : 0;
  const hi = ms.length ? Math.max(...ms) : 1;
  const span = hi - lo || 1;
  return { lo, hi, better: (v) => (higherIsBetter ? (v - lo) / span : (hi - v) / span) };
}

/** A colour from dim violet (worst) to bright yellow-green (best), readable on both themes. */
export function metricColour(t: number): string {
  const x = Math.max(0, Math.min(1, t));
  const hue = 265 - x * 190;
  const light = 42 + x * 14;
  return `hsl(${hue.toFixed(0)} 75% ${light.toFixed(0)}%)`;
}
