/**
 * `mnist-studio explain ID IMAGE --out DIR`: what a model makes of one
 * image, layer by layer, as PNGs and JSON (TensorFlow runs in the worker;
 * this only draws the answer's bytes into files).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { enlarge, saliencyOverlay, signedTile, tileGray, unitBytes, type Explanation, type FirstLayer, type LayerOutput, type RgbaImage } from '@shared/explain';
import { IMAGE_SIZE } from '@shared/datasets';
import { StudioError } from '@shared/result';
import { Id } from '@shared/training';
import { buildAtomic, TargetExistsError } from '../../fs-atomic';
import { EXIT, type CliContext } from '../context';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

const ExplainArgs = z.object({ id: Id, out: z.string().min(1).max(4096) });

/** A whole number in [lo, hi], or a usage error naming the flag's rule. */
function wholeIn(lo: number, hi: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`must be a whole number from ${lo} to ${hi}`);
    return n;
  };
}

function png(img: RgbaImage): Buffer {
  const out = new PNG({ width: img.width, height: img.height });
  out.data.set(img.data);
  return PNG.sync.write(out);
}

/** Enlarged so a map is at least ~56 px wide (never more than 8×). */
function readable(img: RgbaImage, cell: number): RgbaImage {
  return enlarge(img, Math.max(1, Math.min(8, Math.ceil(56 / cell))));
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
}

/** One layer's output as a picture: its maps tiled, or its units as a grid of cells. */
function layerImage(layer: LayerOutput): RgbaImage {
  if (layer.kind === 'maps') return readable(tileGray(layer.pixels, layer.shown, layer.width, layer.height, Math.ceil(Math.sqrt(layer.shown)), 1, 40), layer.width);
  const bytes = unitBytes(layer.values, layer.min, layer.max);
  return enlarge(tileGray(bytes, bytes.length, 1, 1, Math.min(32, bytes.length), 0), 12);
}

/** The files of one explanation, by name. */
export function explanationFiles(ex: Explanation, first: FirstLayer | null): { files: Map<string, Buffer>; json: unknown } {
  const files = new Map<string, Buffer>();
  const input = ex.prediction.input;
  files.set('input.png', png(enlarge(tileGray(input, 1, IMAGE_SIZE, IMAGE_SIZE, 1), 8)));
  const layers = ex.layers.map((layer, i) => {
    const file = `layer-${String(i + 1).padStart(2, '0')}-${slug(layer.name)}.png`;
    files.set(file, png(layerImage(layer)));
    const common = { index: layer.index, name: layer.name, type: layer.type, shape: layer.shape, min: layer.min, max: layer.max, file };
    return layer.kind === 'maps'
      ? { ...common, kind: layer.kind, channels: layer.channels, shown: layer.shown }
      : { ...common, kind: layer.kind, units: layer.units, values: Array.from(layer.values) };
  });
  files.set('saliency-gradient.png', png(enlarge(saliencyOverlay(input, ex.saliency.gradient, IMAGE_SIZE), 8)));
  files.set('saliency-integrated.png', png(enlarge(saliencyOverlay(input, ex.saliency.integrated, IMAGE_SIZE), 8)));
  if (first) files.set('first-layer.png', png(readable(signedTile(first.pixels, first.shown, first.width, first.height, Math.ceil(Math.sqrt(first.shown))), first.width)));
  const json = {
    prediction: { ...ex.prediction, input: Array.from(input) },
    layers,
    saliency: {
      ...ex.saliency,
      gradient: Array.from(ex.saliency.gradient),
      integrated: Array.from(ex.saliency.integrated),
      files: ['saliency-gradient.png', 'saliency-integrated.png'],
    },
    firstLayer: first
      ? {
          kind: first.kind,
          index: first.index,
          name: first.name,
          total: first.total,
          shown: first.shown,
          width: first.width,
          height: first.height,
          scale: Array.from(first.scale),
          file: 'first-layer.png',
        }
      : null,
    elapsedMs: ex.elapsedMs,
  };
  files.set('explain.json', Buffer.from(`${JSON.stringify(json, null, 1)}\n`));
  return { files, json };
}

/** Whether `dir` may be written: it does not exist, or is an empty folder (then it is replaced). */
async function emptyOrMissing(dir: string): Promise<boolean> {
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new StudioError('INVALID_ARGUMENT', `--out ${dir}: a file is there; give a new folder`, 'out');
    if ((await fs.readdir(dir)).length > 0) throw new StudioError('INVALID_ARGUMENT', `--out ${dir}: the folder is not empty; give a new or empty folder`, 'out');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain <id> <image>')
    .description(
      'look inside a model for one PNG or JPEG: every layer’s output, the saliency of a class and the first layer’s weights, written to a new folder as PNGs and explain.json (TensorFlow runs in a worker process)',
    )
    .requiredOption('--out <dir>', 'a new (or empty) folder for the files')
    .option('--class <n>', 'the class whose score the saliency explains (default: the predicted one)', wholeIn(0, 9))
    .option('--steps <n>', 'integrated gradients: steps from a black image', wholeIn(1, 256))
    .option('--raw', 'the image is already a 28×28 MNIST-style digit: no preprocessing')
    .option('--json', 'print explain.json to stdout as well')
    .action(async (id: string, image: string, opts: { out: string; class?: number; steps?: number; raw?: boolean; json?: boolean }) => {
      const parsed = parseOptions(ctx, ExplainArgs, { id, out: opts.out }, { id: 'model id', out: '--out' });
      if (!parsed) return;
      const out = path.resolve(parsed.out);
      const studio = await cliStudio(ctx);
      try {
        let replace: boolean;
        try {
          replace = await emptyOrMissing(out);
        } catch (err) {
          if (!(err instanceof StudioError)) throw err;
          ctx.io.err(`error: ${err.message}\n`);
          ctx.state.exitCode = EXIT.usage;
          return;
        }
        const started = performance.now();
        const ex = await callStudio(ctx, studio, 'models:explain', {
          id: parsed.id,
          image: { path: path.resolve(image) },
          preprocess: !opts.raw,
          ...(opts.class === undefined ? {} : { class: opts.class }),
          ...(opts.steps === undefined ? {} : { steps: opts.steps }),
        });
        if (!ex) return;
        const first = await callStudio(ctx, studio, 'models:firstLayer', { id: parsed.id });
        if (!first) return;
        const wallMs = performance.now() - started;
        const { files, json } = explanationFiles(ex, first.firstLayer);
        try {
          await buildAtomic(
            out,
            'dir',
            async (tmp) => {
              for (const [name, data] of files) await fs.writeFile(path.join(tmp, name), data);
            },
            { overwrite: replace },
          );
        } catch (err) {
          if (!(err instanceof TargetExistsError)) throw err;
          ctx.io.err(`error: --out ${out}: it appeared while explaining; give a new folder\n`);
          ctx.state.exitCode = EXIT.failed;
          return;
        }
        const p = ex.prediction;
        const c = ex.saliency.classIndex;
        if (opts.json) ctx.io.out(`${JSON.stringify(json)}\n`);
        else {
          ctx.io.out(
            [
              `Predicted: ${p.classNames[p.predicted] ?? p.predicted} (${(p.probabilities[p.predicted]! * 100).toFixed(1)}%); saliency of ${p.classNames[c] ?? c}`,
              ...ex.layers.map(
                (l, i) =>
                  `  ${String(i + 1).padStart(2)} ${l.type.padEnd(20)} [${l.shape.join(', ')}]${l.kind === 'maps' && l.shown < l.channels ? ` (${l.shown} of ${l.channels} maps drawn)` : ''}`,
              ),
              `Wrote ${files.size} files to ${out} (explain ${ex.elapsedMs.toFixed(0)} ms in the worker, ${wallMs.toFixed(0)} ms with the worker’s start)`,
            ].join('\n') + '\n',
          );
        }
      } finally {
        await studio.close();
      }
    });
}
