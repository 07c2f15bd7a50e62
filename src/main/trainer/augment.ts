/**
 * The augmentation kernel: random transforms of 28×28 digits on typed
 * arrays, no TensorFlow (so main computes previews with it, and the
 * trainer runs it beside a step without touching the native side).
 *
 * Per image: one inverse affine map (rotation · shear · scale about the
 * centre, then a shift) plus a smooth displacement field (random offsets
 * on a 4×4 grid, bilinearly interpolated: an elastic distortion at the cost
 * of a few multiply-adds a pixel), sampled bilinearly from the source
 * bytes; then stroke thickness (a fractional 3×3 cross dilation or
 * erosion), Gaussian noise, clamping to 0–1 and the run's normalisation.
 *
 * Randomness: each batch draws from its own mulberry32 stream seeded by
 * (the run's augmentation seed, the batch's global step), so a batch's
 * images do not depend on when or where they were computed.
 *
 * Everything lives in one self-contained function, `kernel`, so its source
 * text also runs in a worker thread (batch-images.ts) whatever bundles it:
 * no import, no helper from outside it.
 */
import type { Augment } from '@shared/augment';
import type { Hyperparams } from '@shared/hyperparams';

/** What an augmenter does; the class is built inside `kernel`. */
export interface ImageAugmenter {
  /** Augmented images of `rows`, normalised ((v − mean) / std of v in 0–1), into `out` (rows.length × 784 floats), with batch seed `seed`. */
  batch(rows: ArrayLike<number>, seed: number, normalization: Hyperparams['normalization'], out?: Float32Array): Float32Array;
  /** Augmented images of `rows` as bytes (0–255), for a preview. */
  bytes(rows: ArrayLike<number>, seed: number): Uint8Array;
}

interface Kernel {
  Augmenter: new (images: Uint8Array, augment: Augment) => ImageAugmenter;
  batchSeed: (seed: number, step: number) => number;
}

function kernel(): Kernel {
  const SIDE = 28;
  const PIXELS = SIDE * SIDE;
  const CENTRE = (SIDE - 1) / 2;
  /** Control points of the elastic grid per side (spacing 9 px). */
  const GRID = 4;
  const GRID_STEP = (SIDE - 1) / (GRID - 1);
  const NOISE_TABLE_BITS = 12;

  /** mulberry32 as a closure (the same generator as random.ts, kept local so this file stands alone). */
  function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** The seed of batch `step`'s stream: the run's augmentation seed and the step, mixed. */
  function batchSeed(seed: number, step: number): number {
    let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    return h >>> 0;
  }

  /** Standard normal draws, looked up by a uniform index (Box–Muller once, not per pixel). */
  const NOISE = (() => {
    const rand = mulberry32(0x5eed);
    const table = new Float32Array(1 << NOISE_TABLE_BITS);
    for (let i = 0; i < table.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const phi = 2 * Math.PI * rand();
      table[i] = r * Math.cos(phi);
      table[i + 1] = r * Math.sin(phi);
    }
    return table;
  })();

  /** For each coordinate 0–27: its elastic grid cell and the weight of the cell's far side. */
  const CELL = new Int32Array(SIDE);
  const FRAC = new Float32Array(SIDE);
  for (let i = 0; i < SIDE; i++) {
    const g = Math.min(GRID - 2, Math.floor(i / GRID_STEP));
    CELL[i] = g;
    FRAC[i] = i / GRID_STEP - g;
  }

  /** Transforms images of one source set; holds its scratch buffers, so one per thread. */
  class Augmenter {
    private readonly a: Augment;
    private readonly gx = new Float32Array(GRID * GRID);
    private readonly gy = new Float32Array(GRID * GRID);
    private readonly rowX = new Float32Array(GRID);
    private readonly rowY = new Float32Array(GRID);
    private readonly img = new Float32Array(PIXELS);
    private readonly pad = new Float32Array((SIDE + 2) * (SIDE + 2));

    constructor(
      /** The source images, 784 bytes each (0–255). */
      private readonly images: Uint8Array,
      augment: Augment,
    ) {
      this.a = augment;
    }

    /**
     * Augmented images of `rows`, normalised ((v − mean) / std of v in 0–1),
     * into `out` (rows.length × 784 floats), with batch seed `seed`.
     */
    batch(rows: ArrayLike<number>, seed: number, normalization: Hyperparams['normalization'], out = new Float32Array(rows.length * PIXELS)): Float32Array {
      const rand = mulberry32(seed);
      const scale = 1 / normalization.std;
      const shift = normalization.mean / normalization.std;
      const img = this.img;
      for (let k = 0; k < rows.length; k++) {
        this.one(rows[k]!, rand);
        const base = k * PIXELS;
        for (let p = 0; p < PIXELS; p++) out[base + p] = img[p]! * scale - shift;
      }
      return out;
    }

    /** Augmented images of `rows` as bytes (0–255), for a preview. */
    bytes(rows: ArrayLike<number>, seed: number): Uint8Array {
      const rand = mulberry32(seed);
      const out = new Uint8Array(rows.length * PIXELS);
      for (let k = 0; k < rows.length; k++) {
        this.one(rows[k]!, rand);
        for (let p = 0; p < PIXELS; p++) out[k * PIXELS + p] = Math.round(this.img[p]! * 255);
      }
      return out;
    }

    /** Image `row`, transformed with draws from `rand`, into `this.img` (0–1). */
    private one(row: number, rand: () => number): void {
      const a = this.a;
      const src = this.images;
      const off = row * PIXELS;
      const img = this.img;
      const u = (m: number) => (m === 0 ? 0 : (2 * rand() - 1) * m);

      const angle = (u(a.rotate) * Math.PI) / 180;
      const shear = Math.tan((u(a.shear) * Math.PI) / 180);
      const s = 1 + u(a.scale);
      const tx = u(a.shift);
      const ty = u(a.shift);
      // Forward: s · R(angle) · [[1, shear], [0, 1]]; inverse: [[1, −shear], [0, 1]] · R(−angle) / s.
      const c = Math.cos(angle) / s;
      const sn = Math.sin(angle) / s;
      const m00 = c + shear * sn;
      const m01 = sn - shear * c;
      const m10 = -sn;
      const m11 = c;

      const elastic = a.elastic > 0;
      if (elastic) {
        for (let i = 0; i < GRID * GRID; i++) {
          this.gx[i] = u(a.elastic);
          this.gy[i] = u(a.elastic);
        }
      }
      const { gx, gy, rowX, rowY } = this;

      for (let y = 0; y < SIDE; y++) {
        const dy = y - CENTRE - ty;
        if (elastic) {
          const g = CELL[y]!;
          const f = FRAC[y]!;
          for (let j = 0; j < GRID; j++) {
            rowX[j] = gx[g * GRID + j]! * (1 - f) + gx[(g + 1) * GRID + j]! * f;
            rowY[j] = gy[g * GRID + j]! * (1 - f) + gy[(g + 1) * GRID + j]! * f;
          }
        }
        let sx = m00 * (-CENTRE - tx) + m01 * dy + CENTRE;
        let sy = m10 * (-CENTRE - tx) + m11 * dy + CENTRE;
        const o = y * SIDE;
        for (let x = 0; x < SIDE; x++, sx += m00, sy += m10) {
          let px = sx;
          let py = sy;
          if (elastic) {
            const g = CELL[x]!;
            const f = FRAC[x]!;
            px += rowX[g]! * (1 - f) + rowX[g + 1]! * f;
            py += rowY[g]! * (1 - f) + rowY[g + 1]! * f;
          }
          // Bilinear, zero outside the image.
          const x0 = Math.floor(px);
          const y0 = Math.floor(py);
          if (x0 < -1 || y0 < -1 || x0 >= SIDE || y0 >= SIDE) {
            img[o + x] = 0;
            continue;
          }
          const fx = px - x0;
          const fy = py - y0;
          const i0 = off + y0 * SIDE + x0;
          const inX0 = x0 >= 0;
          const inX1 = x0 + 1 < SIDE;
          const inY0 = y0 >= 0;
          const inY1 = y0 + 1 < SIDE;
          const v00 = inX0 && inY0 ? src[i0]! : 0;
          const v01 = inX1 && inY0 ? src[i0 + 1]! : 0;
          const v10 = inX0 && inY1 ? src[i0 + SIDE]! : 0;
          const v11 = inX1 && inY1 ? src[i0 + SIDE + 1]! : 0;
          const top = v00 + (v01 - v00) * fx;
          const bottom = v10 + (v11 - v10) * fx;
          img[o + x] = (top + (bottom - top) * fy) * (1 / 255);
        }
      }

      const t = u(a.thickness);
      if (t !== 0) this.thickness(t);

      if (a.noise > 0) {
        // A random start and odd stride through the normal table: a fresh noise pattern per image, one draw pair per image.
        const sigma = a.noise;
        const mask = (1 << NOISE_TABLE_BITS) - 1;
        let i = (rand() * 4294967296) & mask;
        const stride = ((rand() * 4294967296) & mask) | 1;
        for (let p = 0; p < PIXELS; p++, i = (i + stride) & mask) {
          const v = img[p]! + sigma * NOISE[i]!;
          img[p] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }

    /** Grows (t > 0) or thins (t < 0) the strokes by |t| pixels: whole passes of a 3×3 cross max (min), the last one blended. */
    private thickness(t: number): void {
      const img = this.img;
      // The image inside a one-pixel border of background (0): thinning eats strokes at the edge too.
      const pad = this.pad;
      const P = SIDE + 2;
      const grow = t > 0;
      let left = Math.abs(t);
      while (left > 1e-6) {
        const w = Math.min(1, left);
        left -= w;
        for (let y = 0; y < SIDE; y++) pad.set(img.subarray(y * SIDE, (y + 1) * SIDE), (y + 1) * P + 1);
        for (let y = 0; y < SIDE; y++) {
          let q = (y + 1) * P + 1;
          let p = y * SIDE;
          for (let x = 0; x < SIDE; x++, p++, q++) {
            const v = pad[q]!;
            let m = v;
            const l = pad[q - 1]!;
            const r = pad[q + 1]!;
            const up = pad[q - P]!;
            const dn = pad[q + P]!;
            if (grow) {
              if (l > m) m = l;
              if (r > m) m = r;
              if (up > m) m = up;
              if (dn > m) m = dn;
            } else {
              if (l < m) m = l;
              if (r < m) m = r;
              if (up < m) m = up;
              if (dn < m) m = dn;
            }
            img[p] = v + (m - v) * w;
          }
        }
      }
    }
  }

  return { Augmenter, batchSeed };
}

const built = kernel();
/** Transforms images of one source set; holds its scratch buffers, so one per thread. */
export const Augmenter = built.Augmenter;
/** The seed of batch `step`'s stream: the run's augmentation seed and the step, mixed. */
export const batchSeed = built.batchSeed;
/** Source text of an expression that evaluates to the kernel (`{ Augmenter, batchSeed }`), for a worker thread. */
export const KERNEL_SOURCE = `(${kernel.toString()})()`;
