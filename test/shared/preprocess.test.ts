import { describe, expect, it } from 'vitest';
import { mnistPreprocess, toGrayscale } from '../../src/shared/preprocess';
import { realDigits } from '../helpers/mnist-fixture';

function digit(k: number): Uint8Array {
  return realDigits().images.subarray(k * 784, (k + 1) * 784);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Centre of mass by pixel index. */
function centre(p: Uint8Array): [number, number] {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < 784; i++) {
    m += p[i]!;
    mx += p[i]! * (i % 28);
    my += p[i]! * Math.floor(i / 28);
  }
  return [mx / m, my / m];
}

describe('MNIST preprocessing', () => {
  it('gives 500 real MNIST digits back (nearly) unchanged: they were made by the same steps', () => {
    const diffs = Array.from({ length: 500 }, (_, k) => meanAbsDiff(mnistPreprocess({ width: 28, height: 28, data: digit(9000 + k) }).pixels, digit(9000 + k)));
    const unchanged = diffs.filter((d) => d < 1).length;
    expect(unchanged).toBeGreaterThanOrEqual(475);
    expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThan(2);
  });

  it('undoes inversion, scale and shift: a digit drawn black on white, 4× larger, off-centre comes out as the MNIST digit', () => {
    for (let k = 9000; k < 9050; k++) {
      const w = 200;
      const h = 150;
      const sheet = new Uint8Array(w * h).fill(255);
      for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) sheet[(y + 30) * w + x + 70] = 255 - digit(k)[Math.floor(y / 4) * 28 + Math.floor(x / 4)]!;
      const out = mnistPreprocess({ width: w, height: h, data: sheet });
      expect(meanAbsDiff(out.pixels, digit(k))).toBeLessThan(12);
      const [cx, cy] = centre(out.pixels);
      expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    }
  });

  it('fits the ink in 20×20 keeping its aspect, and reports where it was', () => {
    const w = 100;
    const h = 100;
    const img = new Uint8Array(w * h);
    for (let y = 10; y < 90; y++) for (let x = 40; x < 60; x++) img[y * w + x] = 255;
    const out = mnistPreprocess({ width: w, height: h, data: img });
    expect(out.inkBox).toEqual({ x: 40, y: 10, width: 20, height: 80 });
    const rows = new Set<number>();
    const cols = new Set<number>();
    out.pixels.forEach((v, i) => {
      if (v > 0) {
        rows.add(Math.floor(i / 28));
        cols.add(i % 28);
      }
    });
    expect(rows.size).toBe(20);
    expect(cols.size).toBe(5);
  });

  it('answers a black field and no box for a blank image, and reads ink from opacity on a transparent canvas', () => {
    const blank = mnistPreprocess({ width: 50, height: 50, data: new Uint8Array(2500).fill(255) });
    expect(blank.inkBox).toBeNull();
    expect(blank.pixels.every((v) => v === 0)).toBe(true);
    const rgba = new Uint8Array(4 * 4 * 4);
    rgba.set([0, 0, 0, 200], 5 * 4);
    expect(Array.from(toGrayscale(rgba, 4, 4, 4).data)).toEqual([0, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => toGrayscale(new Uint8Array(3), 2, 2, 1)).toThrow(/has 4 bytes, not 3/);
  });
});
