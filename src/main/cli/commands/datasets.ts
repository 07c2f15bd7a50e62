import type { Command } from 'commander';
import { z } from 'zod';
import type { DatasetSummary } from '@shared/datasets';
import { DatasetName } from '@shared/datasets-api';
import type { CliContext } from '../context';
import { formatBytes, formatTable } from '../format';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

function origin(d: DatasetSummary): string {
  if (!d.origin) return '';
  return d.origin.kind === 'download' ? `downloaded from ${d.origin.mirrors.join(', ')}` : `imported from ${d.origin.from}`;
}

export function registerDatasets(program: Command, ctx: CliContext): void {
  const datasets = program.command('datasets').description('the datasets in the studio home');
  datasets
    .command('list')
    .description('the downloadable datasets and imported ones, with what is on disk')
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      const studio = cliStudio(ctx);
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
          rows.push([d.id, d.name, status, String(d.train?.count ?? '-'), String(d.test?.count ?? '-'), d.bytes ? formatBytes(d.bytes) : '-', origin(d)]);
        }
        ctx.io.out(`${formatTable(rows)}\n`);
      } finally {
        await studio.close();
      }
    });
  datasets
    .command('info')
    .description('counts per split and per class of a ready dataset')
    .argument('<id>', 'the dataset, as `datasets list` shows it')
    .option('--json', 'print it as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const parsed = parseOptions(ctx, z.object({ id: DatasetName }), { id }, { id: 'id' });
      if (!parsed) return;
      const studio = cliStudio(ctx);
      try {
        const info = await callStudio(ctx, studio, 'datasets:info', { id: parsed.id, samplesPerClass: 0 });
        if (!info) return;
        if (opts.json) {
          ctx.io.out(`${JSON.stringify({ summary: info.summary, train: info.train, test: info.test }, null, 2)}\n`);
          return;
        }
        const rows = [['CLASS', 'NAME', 'TRAIN', 'TEST']];
        info.summary.classNames.forEach((name, c) => rows.push([String(c), name, String(info.train.classCounts[c]), String(info.test.classCounts[c])]));
        rows.push(['', 'all', String(info.train.count), String(info.test.count)]);
        ctx.io.out(`${info.summary.name} (${info.summary.id}) in ${info.summary.dir}\n${formatTable(rows)}\n`);
      } finally {
        await studio.close();
      }
    });
}
