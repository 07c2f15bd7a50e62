import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { datasetDisplayName, NUM_CLASSES, type DatasetSummary, type SplitInfo } from '@shared/datasets';
import { DatasetName } from '@shared/datasets-api';
import { loadDataset } from '../../datasets/load';
import { datasetDir } from '../../datasets/store';
import { EXIT, type CliContext } from '../context';
import { formatBytes, formatTable } from '../format';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

function origin(d: DatasetSummary): string {
  if (!d.origin) return '';
  if (d.personal) return d.origin.kind === 'import' && d.origin.from !== 'drawn in MNIST Studio' ? `personal, from ${d.origin.from}` : 'personal (drawn)';
  return d.origin.kind === 'download' ? `downloaded from ${d.origin.mirrors.join(', ')}` : `imported from ${d.origin.from}`;
}

export function registerDatasets(program: Command, ctx: CliContext): void {
  const datasets = program.command('datasets').description('the datasets in the studio home');
  datasets
    .command('list')
    .description('the downloadable datasets and imported ones, with what is on disk')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      const studio = await cliStudio(ctx);
      try {
        const list = await callStudio(ctx, studio, 'datasets:list', {});
        if (!list) return;
        if (opts.json) {
          ctx.io.out(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        const rows = [['ID', 'NAME', 'STATUS', 'TRAIN', 'TEST', 'SIZE', 'SOURCE']];
        for (const d of list) {
          const status = d.status === 'partial' ? `partial (${d.files} of 4 files)` : d.status;
          rows.push([d.id, datasetDisplayName(d.id, d.name), status, String(d.train?.count ?? '-'), String(d.test?.count ?? '-'), d.bytes ? formatBytes(d.bytes) : '-', origin(d)]);
        }
        ctx.io.out(`${formatTable(rows)}\n`);
      } finally {
        await studio.close();
      }
    });
  datasets
    .command('delete')
    .description('remove a dataset from the studio home, whatever state it is in, so it can be downloaded or imported again (runs that used it stay)')
    .argument('<id>', 'the dataset, as `datasets list` shows it')
    .option('--yes', 'delete without asking: required, as a script cannot answer a prompt')
    .option('--json', 'print {"id": …, "dir": …} when done')
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      const parsed = parseOptions(ctx, z.object({ id: DatasetName }), { id }, { id: 'id' });
      if (!parsed) return;
      const dir = datasetDir(ctx.home(), parsed.id);
      // Asked only of a set that is there: for one that is not, the engine's "no such dataset" is the answer.
      if (!opts.yes && fs.existsSync(dir)) {
        // No prompt: a script would hang on it, and a dataset is large to fetch again.
        ctx.io.err(`error: this removes ${dir} and every file in it; run again with --yes to confirm\n`);
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      const studio = await cliStudio(ctx);
      try {
        const removed = await callStudio(ctx, studio, 'datasets:delete', parsed);
        if (removed) ctx.io.out(`${opts.json ? JSON.stringify(removed) : `Deleted dataset ${removed.id} (${removed.dir}).`}\n`);
      } finally {
        await studio.close();
      }
    });
  datasets
    .command('export')
    .description('write a personal set as a .zip (its drawings’ strokes, an IDX pair and one PNG a drawing) that `import FILE.zip` brings in elsewhere')
    .argument('<id>', 'the personal set, as `datasets list` shows it')
    .requiredOption('--out <file>', 'the .zip to write')
    .option('--force', 'replace a file already at --out')
    .option('--json', 'print {"path": …, "bytes": …, "count": …} when done')
    .action(async (id: string, opts: { out: string; force?: boolean; json?: boolean }) => {
      const parsed = parseOptions(ctx, z.object({ id: DatasetName }), { id }, { id: 'id' });
      if (!parsed) return;
      const studio = await cliStudio(ctx);
      try {
        const written = await callStudio(ctx, studio, 'datasets:exportPersonal', { id: parsed.id, path: path.resolve(opts.out), overwrite: Boolean(opts.force) });
        if (written)
          ctx.io.out(`${opts.json ? JSON.stringify(written) : `Exported ${parsed.id} (${written.count} drawings) to ${written.path} (${formatBytes(written.bytes)}).`}\n`);
      } finally {
        await studio.close();
      }
    });
  datasets
    .command('info')
    .description('counts per split and per class of a ready dataset, or of a folder of the four IDX files (--data-dir)')
    .argument('[id]', 'the dataset, as `datasets list` shows it')
    .option('--data-dir <dir>', 'read this folder directly, with the checks training applies')
    .option('--json', 'print it as JSON')
    .action(async (id: string | undefined, opts: { dataDir?: string; json?: boolean }) => {
      const parsed = parseOptions(ctx, InfoOptions, { id, dataDir: opts.dataDir }, { id: 'id', dataDir: '--data-dir' });
      if (!parsed) return;
      let shown: Counts | null;
      if (parsed.dataDir !== undefined) {
        shown = await folderCounts(ctx, parsed.dataDir);
      } else {
        const studio = await cliStudio(ctx);
        try {
          const info = await callStudio(ctx, studio, 'datasets:info', { id: parsed.id!, samplesPerClass: 0 });
          shown = info && { id: info.summary.id, name: info.summary.name, dir: info.summary.dir, classNames: info.summary.classNames, train: info.train, test: info.test };
        } finally {
          await studio.close();
        }
      }
      if (!shown) return;
      if (opts.json) {
        ctx.io.out(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      const rows = [['CLASS', 'NAME', 'TRAIN', 'TEST']];
      shown.classNames.forEach((name, c) => rows.push([String(c), name, String(shown.train.classCounts[c]), String(shown.test.classCounts[c])]));
      rows.push(['', 'all', String(shown.train.count), String(shown.test.count)]);
      ctx.io.out(`${shown.name} (${shown.id}) in ${shown.dir}\n${formatTable(rows)}\n`);
    });
}

const InfoOptions = z
  .object({ id: DatasetName.optional(), dataDir: z.string().min(1).optional() })
  .refine((o) => (o.id === undefined) !== (o.dataDir === undefined), { message: 'give either a dataset id or --data-dir DIR', path: ['id'] });

/** What `datasets info` prints. */
interface Counts {
  id: string;
  name: string;
  dir: string;
  classNames: readonly string[];
  train: SplitInfo;
  test: SplitInfo;
}

function histogram(labels: Uint8Array): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (const label of labels) counts[label]!++;
  return counts;
}

/** `--data-dir`: the folder read exactly as training reads it. */
async function folderCounts(ctx: CliContext, dir: string): Promise<Counts | null> {
  try {
    const ds = await loadDataset({ dir });
    return {
      id: ds.id,
      name: ds.name,
      dir: path.resolve(dir),
      classNames: ds.classNames,
      train: { count: ds.train.count, classCounts: histogram(ds.train.labels) },
      test: { count: ds.test.count, classCounts: histogram(ds.test.labels) },
    };
  } catch (err) {
    ctx.io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    ctx.state.exitCode = EXIT.failed;
    return null;
  }
}
