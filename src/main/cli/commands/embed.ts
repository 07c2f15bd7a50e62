import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { EMBED_METHODS, EmbedInput, type Embedding } from '@shared/embed';
import { writeJsonAtomic } from '../../fs-atomic';
import { EXIT, type CliContext } from '../context';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatEmbedding(e: Embedding, file: string): string {
  const wrong = e.points.filter((p) => p.misclassified).length;
  const lines = [
    `Mapped ${e.points.length.toLocaleString('en-US')} test images of ${e.dataset.name} (${e.dataset.id}) with model ${e.modelId}: ${e.method.toUpperCase()} of layer ${e.layer.index + 1} (${e.layer.name}, ${e.layer.units} values)`,
    `accuracy   ${pct(e.accuracy)} (${wrong} misclassified, marked in the file)`,
  ];
  if (e.explainedVariance) lines.push(`variance   the two axes hold ${pct(e.explainedVariance[0])} and ${pct(e.explainedVariance[1])} of it`);
  if (e.seed !== null) lines.push(`seed       ${e.seed}`);
  lines.push(`time       ${e.timing.activations.toFixed(2)} s activations, ${e.timing.projection.toFixed(2)} s projection`);
  lines.push(`written    ${file}`);
  return lines.join('\n');
}

export function registerEmbed(program: Command, ctx: CliContext): void {
  program
    .command('embed <id>')
    .description('the test set as a map: a model’s penultimate-layer activations projected to 2-D (PCA or UMAP), written as JSON with labels and predictions')
    .option('--dataset <id>', 'an installed dataset whose test split to map (default: the one the model was trained on, else mnist)')
    .addOption(new Option('--method <method>', 'the projection').choices(EMBED_METHODS).default('pca'))
    .option('--limit <n>', 'map the first N test images (default: all, at most 10000)')
    .option('--seed <n>', 'UMAP’s random seed (default 42)')
    .requiredOption('--out <file>', 'the JSON file to write (atomically)')
    .option('--force', 'replace the file at --out')
    .option('--json', 'print the embedding to stdout too')
    .action(async (id: string, opts: { dataset?: string; method: string; limit?: string; seed?: string; out: string; force?: boolean; json?: boolean }) => {
      const asNumber = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? NaN : Number(v));
      const parsed = parseOptions(
        ctx,
        EmbedInput,
        {
          id,
          method: opts.method,
          ...(opts.dataset !== undefined ? { dataset: { id: opts.dataset } } : {}),
          ...(opts.limit !== undefined ? { limit: asNumber(opts.limit) } : {}),
          ...(opts.seed !== undefined ? { seed: asNumber(opts.seed) } : {}),
        },
        { id: 'model id', dataset: '--dataset', method: '--method', limit: '--limit', seed: '--seed' },
      );
      if (!parsed) return;
      const out = path.resolve(opts.out);
      if (!opts.force && fs.existsSync(out)) {
        ctx.io.err(`error: --out ${out}: already exists (give --force to replace it)\n`);
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      if (!fs.existsSync(path.dirname(out)) || !fs.statSync(path.dirname(out)).isDirectory()) {
        ctx.io.err(`error: --out ${out}: no folder ${path.dirname(out)}\n`);
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      const studio = await cliStudio(ctx);
      try {
        const embedding = await callStudio(ctx, studio, 'models:embed', parsed);
        if (embedding === null) return;
        await writeJsonAtomic(out, embedding, { compact: true });
        ctx.io.out(`${opts.json ? JSON.stringify(embedding) : formatEmbedding(embedding, out)}\n`);
      } finally {
        await studio.close();
      }
    });
}
