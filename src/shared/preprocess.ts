/**
 * How a drawn or photographed digit becomes an MNIST-like 28×28 image,
 * the way the MNIST digits themselves were made: grayscale with bright
 * ink on black, cropped to the ink, fitted in a 20×20 box keeping its
 * aspect, and placed in a 28×28 field with its centre of mass in the
 * middle. Pure: the worker runs it before predicting, and a screen can
 * run it to preview what the model will see.
 */
import { IMAGE_SIZE } from './datasets';

/** Side of the box the digit is fitted into (MNIST: 20 within 28). */
export const DIGIT_BOX = 20;
/** Largest side of an image accepted for prediction: a canvas or a photo, not a poster. */
export const MAX_IMAGE_SIDE = 4096;

/** A grayscale image, one byte a pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Preprocessed {
  /** 28×28, 0–255, ink bright on black. */
  pixels: Uint8Array;
  /** The ink's bounding box in the input, or null when the image holds no ink. */
  inkBox: { x: number; y: number; width: number; height: number } | null;
}

/**
 * One byte a pixel from 1 (gray), 3 (RGB) or 4 (RGBA) channels. An image
 * with any transparency (a canvas drawn on a clear background) takes its
 * ink from the opacity; an opaque one from the luminance (ITU-R BT.601).
 */
export function toGrayscale(data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): GrayImage {
  const n = width * height;
  if (data.length !== n * channels) throw new Error(`a ${width}×${height} image of ${channels} channels has ${n * channels} bytes, not ${data.length}`);
  if (channels === 1) return { width, height, data: Uint8Array.from(data) };
  const out = new Uint8Array(n);
  let transparent = false;
  if (channels === 4) for (let i = 0; i < n && !transparent; i++) transparent = data[i * 4 + 3]! < 255;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    out[i] = transparent ? data[o + 3]! : Math.round(0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!);
  }
  return { width, height, data: out };
}

/** Mean of the pixels on the image's edge: the paper's colour, for telling dark ink on white from bright ink on black. */
function borderMean(img: GrayImage): number {
  const { width: w, height: h, data } = img;
  let sum = 0;
  let count = 0;
  for (let x = 0; x < w; x++) {
    sum += data[x]! + (h > 1 ? data[(h - 1) * w + x]! : 0);
    count += h > 1 ? 2 : 1;
  }
  for (let y = 1; y < h - 1; y++) {
    sum += data[y * w]! + (w > 1 ? data[y * w + w - 1]! : 0);
    count += w > 1 ? 2 : 1;
  }
  return sum / count;
}

/** Side of the coarse grid the paper's level is estimated on: enough for lighting, which varies slowly. */
const BACKGROUND_GRID = 64;

/**
 * The paper's level at every pixel of `v` (ink bright): on a coarse grid,
 * the darkest value within an eighth of the image around each point (ink
 * strokes are thinner than that, so only paper remains), smoothed, then
 * spread back bilinearly. Uneven lighting (a photo lit from one side)
 * comes off with it; a flat background (a drawn canvas) stays flat.
 */
function paperLevel(v: Float32Array, w: number, h: number): Float32Array {
  const f = Math.max(1, Math.max(w, h) / BACKGROUND_GRID);
  const gw = Math.max(1, Math.round(w / f));
  const gh = Math.max(1, Math.round(h / f));
  const grid = resample(v, w, h, gw, gh);
  const r = Math.max(1, Math.round(Math.max(gw, gh) / 8));
  const filter = (src: Float32Array, pick: (a: number, b: number) => number, mean: boolean): Float32Array => {
    const pass = (input: Float32Array, horizontal: boolean): Float32Array => {
      const out = new Float32Array(input.length);
      for (let y = 0; y < gh; y++) {
        for (let x = 0; x < gw; x++) {
          let acc = mean ? 0 : Infinity;
          let n = 0;
          for (let d = -r; d <= r; d++) {
            const xx = horizontal ? x + d : x;
            const yy = horizontal ? y : y + d;
            if (xx < 0 || yy < 0 || xx >= gw || yy >= gh) continue;
            acc = pick(acc, input[yy * gw + xx]!);
            n++;
          }
          out[y * gw + x] = mean ? acc / n : acc;
        }
      }
      return out;
    };
    return pass(pass(src, true), false);
  };
  const smooth = filter(
    filter(grid, (a, b) => Math.min(a, b), false),
    (a, b) => a + b,
    true,
  );
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const gy = Math.min(gh - 1, Math.max(0, (y + 0.5) / f - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const fy = gy - y0;
    for (let x = 0; x < w; x++) {
      const gx = Math.min(gw - 1, Math.max(0, (x + 0.5) / f - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(gw - 1, x0 + 1);
      const fx = gx - x0;
      out[y * w + x] =
        smooth[y0 * gw + x0]! * (1 - fx) * (1 - fy) + smooth[y0 * gw + x1]! * fx * (1 - fy) + smooth[y1 * gw + x0]! * (1 - fx) * fy + smooth[y1 * gw + x1]! * fx * fy;
    }
  }
  return out;
}

/** Ink as bright values on 0: inverted when the paper is light, the paper's level (even where the light is uneven) taken off, stretched to 0–255. */
function inkImage(img: GrayImage): Float32Array {
  const paper = borderMean(img);
  const invert = paper > 127;
  const ink = new Float32Array(img.data.length);
  for (let i = 0; i < ink.length; i++) ink[i] = invert ? 255 - img.data[i]! : img.data[i]!;
  const background = paperLevel(ink, img.width, img.height);
  let max = 0;
  for (let i = 0; i < ink.length; i++) {
    ink[i] = Math.max(0, ink[i]! - background[i]!);
    if (ink[i]! > max) max = ink[i]!;
  }
  if (max > 0) for (let i = 0; i < ink.length; i++) ink[i] = (ink[i]! * 255) / max;
  return ink;
}

/** Below this share of the brightest ink a pixel is paper (JPEG noise, a faint smudge). */
const INK_THRESHOLD = 0.1 * 255;

/**
 * Area-weighted resampling of `src` (sw×sh) to dw×dh: each output pixel is
 * the mean of the input area it covers, so shrinking anti-aliases as
 * MNIST's own digits were.
 */
function resample(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  const fx = sw / dw;
  const fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const y0 = y * fy;
    const y1 = y0 + fy;
    for (let x = 0; x < dw; x++) {
      const x0 = x * fx;
      const x1 = x0 + fx;
      let sum = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          sum += src[sy * sw + sx]! * wx * wy;
        }
      }
      out[y * dw + x] = sum / (fx * fy);
    }
  }
  return out;
}

/** MNIST's preprocessing of one image: grayscale in, the 28×28 the model should see out. A blank image gives a black field. */
export function mnistPreprocess(img: GrayImage): Preprocessed {
  const { width: w, height: h } = img;
  const ink = inkImage(img);
  let left = w;
  let top = h;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x]! > INK_THRESHOLD) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  const pixels = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  if (right < 0) return { pixels, inkBox: null };
  const bw = right - left + 1;
  const bh = bottom - top + 1;
  const crop = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) crop[y * bw + x] = ink[(top + y) * w + left + x]!;

  // The longer side becomes 20; the other keeps the aspect (at least one pixel).
  const scale = DIGIT_BOX / Math.max(bw, bh);
  const dw = Math.max(1, Math.round(bw * scale));
  const dh = Math.max(1, Math.round(bh * scale));
  const digit = resample(crop, bw, bh, dw, dh);

  // Centre of mass moved to pixel (14, 14) of the field by a whole-pixel shift, in pixel-index
  // coordinates as MNIST's own digits have it (their centres of mass sit at 13.5–14.5 by index).
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const v = digit[y * dw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const ox = Math.round(IMAGE_SIZE / 2 - mx / mass);
  const oy = Math.round(IMAGE_SIZE / 2 - my / mass);
  for (let y = 0; y < dh; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= IMAGE_SIZE) continue;
    for (let x = 0; x < dw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= IMAGE_SIZE) continue;
      pixels[ty * IMAGE_SIZE + tx] = Math.min(255, Math.round(digit[y * dw + x]!));
    }
  }
  return { pixels, inkBox: { x: left, y: top, width: bw, height: bh } };
}
