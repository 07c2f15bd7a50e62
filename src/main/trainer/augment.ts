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
  /** For each grid cell: the column after its last pixel. */
  const CELL_END = new Int32Array(GRID - 1);
  for (let i = 0; i < SIDE; i++) CELL_END[CELL[i]!] = i + 1;

  /** Border of the padded source copy: sampling clamps into it, so out-of-image reads are zeros without a branch. */
  const SRC_BORDER = 2;
  const SRC_SIDE = SIDE + 2 * SRC_BORDER;
  /** Largest padded coordinate sampled: both of its neighbours lie in the border. */
  const SRC_MAX = SIDE + SRC_BORDER + 0.5;
  /** Side of the working images: a one-pixel border of background, so the thickness pass needs no edge cases. */
  const WORK_SIDE = SIDE + 2;

  /** Transforms images of one source set; holds its scratch buffers, so one per thread. */
  class Augmenter {
    private readonly a: Augment;
    private readonly gx = new Float32Array(GRID * GRID);
    private readonly gy = new Float32Array(GRID * GRID);
    private readonly rowX = new Float32Array(GRID);
    private readonly rowY = new Float32Array(GRID);
    /** The source image in 0–255 inside a zero border (only the interior is ever written). */
    private readonly src = new Float32Array(SRC_SIDE * SRC_SIDE);
    /** Two working images (0–255) inside a zero border; `this.img` is the one holding the result. */
    private readonly work = [new Float32Array(WORK_SIDE * WORK_SIDE), new Float32Array(WORK_SIDE * WORK_SIDE)] as const;
    private img: Float32Array = this.work[0];
    private noiseAt = 0;
    private noiseStride = 0;

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
      // 0–255 → (v / 255 − mean) / std.
      const scale = 1 / (255 * normalization.std);
      const shift = normalization.mean / normalization.std;
      for (let k = 0; k < rows.length; k++) {
        this.one(rows[k]!, rand);
        this.finish(out, k * PIXELS, scale, shift);
      }
      return out;
    }

    /** Augmented images of `rows` as bytes (0–255), for a preview. */
    bytes(rows: ArrayLike<number>, seed: number): Uint8Array {
      const rand = mulberry32(seed);
      const out = new Float32Array(rows.length * PIXELS);
      for (let k = 0; k < rows.length; k++) {
        this.one(rows[k]!, rand);
        this.finish(out, k * PIXELS, 1, 0);
      }
      return Uint8Array.from(out, (v) => Math.round(v));
    }

    /** `this.img` plus the image's noise, clamped to 0–255, then `v · scale − shift`, into `out` from `base`: one pass. */
    private finish(out: Float32Array, base: number, scale: number, shift: number): void {
      const img = this.img;
      const sigma = this.a.noise * 255;
      const mask = (1 << NOISE_TABLE_BITS) - 1;
      let i = this.noiseAt;
      const stride = this.noiseStride;
      let p = base;
      for (let y = 0; y < SIDE; y++) {
        let q = (y + 1) * WORK_SIDE + 1;
        for (let x = 0; x < SIDE; x++, p++, q++, i = (i + stride) & mask) {
          // Clamped to 0–255 with abs rather than branches: noise puts half the background below 0, a coin flip per pixel.
          const v = img[q]! + sigma * NOISE[i]!;
          const low = v + Math.abs(v);
          out[p] = (low + 510 - Math.abs(low - 510)) * 0.25 * scale - shift;
        }
      }
    }

    /** Image `row`, transformed with draws from `rand`, into `this.img` (0–255; noise is added by `finish`). */
    private one(row: number, rand: () => number): void {
      const a = this.a;
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

      // Without elastic distortion the grid stays all zeros (it is never written), which displaces nothing.
      if (a.elastic > 0) {
        for (let i = 0; i < GRID * GRID; i++) {
          this.gx[i] = u(a.elastic);
          this.gy[i] = u(a.elastic);
        }
      }
      const { gx, gy, rowX, rowY } = this;

      // The source into the padded copy's interior.
      const src = this.src;
      const images = this.images;
      for (let y = 0, from = row * PIXELS; y < SIDE; y++, from += SIDE) {
        let to = (y + SRC_BORDER) * SRC_SIDE + SRC_BORDER;
        for (let x = 0; x < SIDE; x++) src[to++] = images[from + x]!;
      }

      this.img = this.work[0];
      const img = this.img;
      for (let y = 0; y < SIDE; y++) {
        const dy = y - CENTRE - ty;
        // The grid interpolated down to this row: the displacement at each column of control points.
        const gr = CELL[y]!;
        const f = FRAC[y]!;
        for (let j = 0; j < GRID; j++) {
          rowX[j] = gx[gr * GRID + j]! * (1 - f) + gx[(gr + 1) * GRID + j]! * f;
          rowY[j] = gy[gr * GRID + j]! * (1 - f) + gy[(gr + 1) * GRID + j]! * f;
        }
        // Source coordinates, already in the padded copy's frame.
        let sx = m00 * (-CENTRE - tx) + m01 * dy + CENTRE + SRC_BORDER;
        let sy = m10 * (-CENTRE - tx) + m11 * dy + CENTRE + SRC_BORDER;
        let o = (y + 1) * WORK_SIDE + 1;
        let x = 0;
        // Between two control columns the displacement is linear in x: stepped like the affine part, no lookups per pixel.
        for (let g = 0; g < GRID - 1; g++) {
          const end = CELL_END[g]!;
          const stepX = (rowX[g + 1]! - rowX[g]!) / GRID_STEP;
          const stepY = (rowY[g + 1]! - rowY[g]!) / GRID_STEP;
          let ex = rowX[g]! + stepX * (x - g * GRID_STEP);
          let ey = rowY[g]! + stepY * (x - g * GRID_STEP);
          for (; x < end; x++, sx += m00, sy += m10, ex += stepX, ey += stepY, o++) {
            // Bilinear, zero outside the image: a coordinate clamped into the border reads only zeros.
            let px = sx + ex;
            let py = sy + ey;
            px = px < 0 ? 0 : px > SRC_MAX ? SRC_MAX : px;
            py = py < 0 ? 0 : py > SRC_MAX ? SRC_MAX : py;
            const x0 = px | 0;
            const y0 = py | 0;
            const fx = px - x0;
            const fy = py - y0;
            const i0 = y0 * SRC_SIDE + x0;
            const v00 = src[i0]!;
            const v01 = src[i0 + 1]!;
            const v10 = src[i0 + SRC_SIDE]!;
            const v11 = src[i0 + SRC_SIDE + 1]!;
            const top = v00 + (v01 - v00) * fx;
            const bottom = v10 + (v11 - v10) * fx;
            img[o] = top + (bottom - top) * fy;
          }
        }
      }

      const t = u(a.thickness);
      if (t !== 0) this.thickness(t);

      if (a.noise > 0) {
        // A random start and odd stride through the normal table: a fresh noise pattern per image, one draw pair per image.
        const mask = (1 << NOISE_TABLE_BITS) - 1;
        this.noiseAt = (rand() * 4294967296) & mask;
        this.noiseStride = ((rand() * 4294967296) & mask) | 1;
      }
    }

    /** Grows (t > 0) or thins (t < 0) the strokes by |t| pixels: whole passes of a 3×3 cross max (min), the last one blended. */
    private thickness(t: number): void {
      // Both working images have a border of background (0): thinning eats strokes at the edge too.
      const P = WORK_SIDE;
      const sign = t > 0 ? 1 : -1;
      let left = Math.abs(t);
      while (left > 1e-6) {
        const w = Math.min(1, left);
        left -= w;
        const from = this.img;
        const to = from === this.work[0] ? this.work[1] : this.work[0];
        for (let y = 0; y < SIDE; y++) {
          let q = (y + 1) * P + 1;
          for (let x = 0; x < SIDE; x++, q++) {
            const v = from[q]!;
            const l = from[q - 1]!;
            const r = from[q + 1]!;
            const up = from[q - P]!;
            const dn = from[q + P]!;
            // max(a, b) = (a + b + |a − b|) / 2 and min with −: no data-dependent branch (which mispredicts along every stroke edge).
            const lr = l + r + sign * Math.abs(l - r);
            const ud = up + dn + sign * Math.abs(up - dn);
            const n = (lr + ud + sign * Math.abs(lr - ud)) * 0.25;
            const m = (v + n + sign * Math.abs(v - n)) * 0.5;
            to[q] = v + (m - v) * w;
          }
        }
        this.img = to;
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
