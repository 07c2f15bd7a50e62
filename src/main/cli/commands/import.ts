import type { Command } from 'commander';
import { z } from 'zod';
import { DatasetName } from '@shared/datasets-api';
import type { CliContext } from '../context';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

const ImportOptions = z.object({
  paths: z.array(z.string().min(1)).min(1).max(4),
  name: DatasetName.optional(),
});

export function registerImport(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description(
      'bring in a dataset without internet: a folder holding the four IDX files (gzip or raw), or the four files; a folder (or .zip) of subfolders 0…9 of PNG/JPEG images, through MNIST preprocessing; or a personal set’s .zip (`datasets export`)',
    )
    .argument('<paths...>', 'the folder, the four files, or one .zip')
    .option('--name <name>', 'id of the new dataset (default: mnist or fashion-mnist when the files are those, else the folder name)')
    .action(async (paths: string[], opts: { name?: string }) => {
      const parsed = parseOptions(ctx, ImportOptions, { paths, name: opts.name }, { paths: 'paths', name: '--name' });
      if (!parsed) return;
      const studio = await cliStudio(ctx);
      try {
        const summary = await callStudio(ctx, studio, 'datasets:import', parsed);
        if (!summary?.train || !summary.test) return;
        ctx.io.out(
          summary.personal
            ? `Imported personal set ${summary.name} as "${summary.id}": ${summary.test.count} drawings, in ${summary.dir}\n`
            : `Imported ${summary.name} as "${summary.id}": ${summary.train.count} training and ${summary.test.count} test images, verified, in ${summary.dir}\n`,
        );
      } finally {
        await studio.close();
      }
    });
}
