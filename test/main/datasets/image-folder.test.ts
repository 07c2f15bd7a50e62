/**
 * Image-folder import on a fixture made like photos of digits on paper:
 * real MNIST digits (the `mnist` package) scaled up 5×, drawn dark on
 * light paper with uneven lighting, blurred and placed off centre in a
 * larger frame, as PNG and JPEG. The imported previews must look like MNIST
 * digits again: centred by mass, ink within the 20×20 box, and highly
 * correlated with the source digit.
 */
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/main/dispatch';
import { loadDataset } from '../../../src/main/datasets/load';
import { writeZip } from '../../../src/main/models/zip';
import { createStudio, type Studio } from '../../../src/main/studio';
import { PIXELS } from '../../../src/shared/datasets';
import { realDigits } from '../../helpers/mnist-fixture';
import { call } from '../../helpers/studio-home';
import { tmpDir } from '../../helpers/tmp';

const open: Studio[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
function studio(): Studio {
  const s = createStudio({ home: tmpDir(), shell: 'web' });
  open.push(s);
  return s;
}

const W = 200;
const H = 240;
const SCALE = 5;

/** One "photo": the digit scaled up (bilinear), dark ink on paper lit from one corner, blurred, off centre; RGBA. */
function photo(digit: Uint8Array, k: number): Uint8Array {
  const ox = 10 + ((k * 37) % 50);
  const oy = 15 + ((k * 53) % 70);
  const ink = new Float32Array(W * H);
  for (let y = 0; y < 28 * SCALE; y++) {
    for (let x = 0; x < 28 * SCALE; x++) {
      const sx = Math.min(27, Math.max(0, (x + 0.5) / SCALE - 0.5));
      const sy = Math.min(27, Math.max(0, (y + 0.5) / SCALE - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const at = (xx: number, yy: number) => digit[Math.min(27, yy) * 28 + Math.min(27, xx)]! / 255;
      const v = at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy;
      if (oy + y < H && ox + x < W) ink[(oy + y) * W + ox + x] = v;
    }
  }
  // A 5×5 box blur, twice: the softness of a phone camera.
  let blurred = ink;
  for (let pass = 0; pass < 2; pass++) {
    const out = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
            sum += blurred[yy * W + xx]!;
            n++;
          }
        }
        out[y * W + x] = sum / n;
      }
    }
    blurred = out;
  }
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Paper from 235 (top left, lit) down to 175 (bottom right, in shade); ink about 40 on it.
      const paper = 235 - 60 * ((x / W + y / H) / 2);
      const v = paper - (paper - 40) * Math.min(1, blurred[y * W + x]! * 1.2);
      const o = (y * W + x) * 4;
      rgba[o] = v;
      rgba[o + 1] = v * 0.97;
      rgba[o + 2] = v * 0.92;
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

function png(rgba: Uint8Array, w = W, h = H): Buffer {
  const img = new PNG({ width: w, height: h });
  img.data = Buffer.from(rgba);
  return PNG.sync.write(img);
}

/** The fixture: `perClass` photos of real digits per class (every third a JPEG); answers the folder and the source digits in import order. */
function fixture(perClass: number): { dir: string; sources: Uint8Array[] } {
  const dir = tmpDir();
  const digits = realDigits();
  const sources: Uint8Array[] = [];
  for (let label = 0; label < 10; label++) {
    fs.mkdirSync(path.join(dir, String(label)));
    let k = 0;
    for (let i = 0; i < digits.count && k < perClass; i++) {
      if (digits.labels[i] !== label) continue;
      const src = digits.images.subarray(i * PIXELS, (i + 1) * PIXELS);
      const rgba = photo(src, label * perClass + k);
      const name = `photo-${String(k).padStart(2, '0')}`;
      if (k % 3 === 2) fs.writeFileSync(path.join(dir, String(label), `${name}.jpg`), jpeg.encode({ data: rgba, width: W, height: H }, 90).data);
      else fs.writeFileSync(path.join(dir, String(label), `${name}.png`), png(rgba));
      sources.push(src);
      k++;
    }
  }
  return { dir, sources };
}

function correlation(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('image-folder import', () => {
  it('turns photographed-style digits (blur, uneven light, off centre, PNG and JPEG) into MNIST-like 28×28 images', async () => {
    const { dir, sources } = fixture(6);
    const s = studio();
    const summary = await call(s, 'datasets:import', { paths: [dir], name: 'photos' });
    expect(summary).toMatchObject({ id: 'photos', status: 'ready', personal: false, test: { count: 60, classCounts: Array(10).fill(6) } });
    const ds = await loadDataset({ home: s.home, id: 'photos' });
    const correlations: number[] = [];
    for (let i = 0; i < ds.test.count; i++) {
      const img = ds.test.images.subarray(i * PIXELS, (i + 1) * PIXELS);
      let mass = 0;
      let mx = 0;
      let my = 0;
      let left = 28;
      let right = -1;
      let top = 28;
      let bottom = -1;
      img.forEach((v, p) => {
        const x = p % 28;
        const y = Math.floor(p / 28);
        mass += v;
        mx += v * x;
        my += v * y;
        if (v > 25) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      });
      // Centred by mass, as MNIST's digits are (13.5–14.5 by index), and the ink within a 20×20 box.
      expect(Math.abs(mx / mass - 14), `image ${i}`).toBeLessThanOrEqual(1);
      expect(Math.abs(my / mass - 14), `image ${i}`).toBeLessThanOrEqual(1);
      expect(Math.max(right - left + 1, bottom - top + 1), `image ${i}`).toBeLessThanOrEqual(21);
      // The paper's shading is gone: the corners are black.
      expect([img[0], img[27], img[27 * 28], img[PIXELS - 1]]).toEqual([0, 0, 0, 0]);
      correlations.push(correlation(img, sources[i]!));
    }
    correlations.sort((a, b) => a - b);
    const median = correlations[Math.floor(correlations.length / 2)]!;
    console.log(`image-folder import: correlation with the source digit min ${correlations[0]!.toFixed(3)}, median ${median.toFixed(3)}`);
    expect(median).toBeGreaterThan(0.85);
    expect(correlations[0]).toBeGreaterThan(0.6);
  });

  it('reads the same layout from a .zip and names the set after it', async () => {
    const { dir } = fixture(1);
    const files = fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d)).map((f) => ({ name: `scans/${d}/${f}`, file: path.join(dir, d, f) })));
    const zip = path.join(tmpDir(), 'my-scans.zip');
    await writeZip(zip, files);
    const s = studio();
    expect(await call(s, 'datasets:import', { paths: [zip] })).toMatchObject({ id: 'my-scans', test: { count: 10 } });
  });

  it('refuses an empty class, a missing class, a non-image file, an unreadable image and a huge one, naming the file; nothing is written', async () => {
    const s = studio();
    const refused = async (mutate: (dir: string) => void, message: RegExp) => {
      const { dir } = fixture(1);
      mutate(dir);
      const res = await dispatch(s.handlers, 'datasets:import', { paths: [dir], name: 'bad' }, { shell: 'cli' });
      expect(res.ok).toBe(false);
      if (!res.ok) {
        expect(res.error.message).toMatch(message);
        expect(res.error.field).toBe('paths');
      }
      expect(fs.existsSync(path.join(s.home, 'datasets', 'bad'))).toBe(false);
    };
    await refused((dir) => {
      for (const f of fs.readdirSync(path.join(dir, '4'))) fs.rmSync(path.join(dir, '4', f));
    }, /no images for class 4; every digit needs at least one/);
    await refused((dir) => fs.rmSync(path.join(dir, '7'), { recursive: true }), /no subfolder 7/);
    await refused((dir) => fs.writeFileSync(path.join(dir, '2', 'notes.txt'), 'hello'), /2\/notes\.txt: not a PNG or JPEG file/);
    await refused(
      (dir) => fs.writeFileSync(path.join(dir, '3', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])),
      /3\/broken\.png: a PNG cut short/,
    );
    await refused((dir) => fs.writeFileSync(path.join(dir, '5', 'text.jpg'), 'not a jpeg'), /5\/text\.jpg: not a PNG or JPEG file/);
    // A PNG whose header says 5000×10: refused before its pixels are inflated.
    await refused(
      (dir) => fs.writeFileSync(path.join(dir, '6', 'wide.png'), png(new Uint8Array(5000 * 10 * 4).fill(255), 5000, 10)),
      /6\/wide\.png: the image is 5000×10; at most 4096×4096/,
    );
    // A file manager's leftovers are skipped, not refused.
    const { dir } = fixture(1);
    fs.writeFileSync(path.join(dir, '1', '.DS_Store'), 'x');
    expect(await call(s, 'datasets:import', { paths: [dir], name: 'fine' })).toMatchObject({ test: { count: 10 } });
  });
});
