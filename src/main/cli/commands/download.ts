import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { BUILTIN_DATASET_IDS, DATASETS } from '@shared/datasets';
import { BuiltinDatasetIdSchema, MirrorUrl } from '@shared/datasets-api';
import type { DownloadEvent } from '@shared/events';
import type { CliContext } from '../context';
import { formatBytes, formatSeconds } from '../format';
import { onInterrupt } from '../signals';
import { callStudio, cliStudio, parseOptions } from '../studio-call';

const DownloadOptions = z.object({
  dataset: BuiltinDatasetIdSchema,
  mirror: z.array(MirrorUrl).max(16),
  defaultMirrors: z.boolean(),
});

/** Plain lines for pipes and logs: one per file, and a progress line at most every few seconds. */
const PLAIN_PROGRESS_EVERY_MS = 5000;

/** Shows one download's event stream: a bar on a terminal, plain lines otherwise. */
function downloadView(ctx: CliContext): { onEvent: (e: DownloadEvent) => void; stop: () => void } {
  let bar: cliProgress.MultiBar | null = null;
  let line: cliProgress.SingleBar | null = null;
  let lastPlain = 0;
  const say = (text: string) => (bar ? bar.log(`${text}\n`) : ctx.io.out(`${text}\n`));
  const warn = (text: string) => (bar ? bar.log(`warning: ${text}\n`) : ctx.io.err(`warning: ${text}\n`));
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const onEvent = (e: DownloadEvent) => {
    switch (e.kind) {
      case 'started':
        lastPlain = performance.now();
        say(
          `Downloading ${e.files.length} file${e.files.length === 1 ? '' : 's'} (about ${formatBytes(e.totalBytes)}) of ${DATASETS[e.dataset as keyof typeof DATASETS]?.name ?? e.dataset}`,
        );
        if (ctx.io.isTTY) {
          bar = new cliProgress.MultiBar(
            {
              stream: process.stdout,
              format: '{file} [{bar}] {percentage}% {done} of {size} {speed} ETA {eta_text}',
              barsize: 24,
              hideCursor: true,
              clearOnComplete: true,
              autopadding: true,
            },
            cliProgress.Presets.shades_classic,
          );
          line = bar.create(e.totalBytes, 0, { file: e.files[0] ?? '', done: '0 B', size: formatBytes(e.totalBytes), speed: '', eta_text: '…' });
        }
        break;
      case 'progress':
        if (line) {
          line.setTotal(e.totalBytes);
          line.update(e.doneBytes, {
            file: e.file,
            done: formatBytes(e.doneBytes),
            size: formatBytes(e.totalBytes),
            speed: e.bytesPerSecond > 0 ? `${formatBytes(e.bytesPerSecond)}/s` : '',
            eta_text: e.etaSeconds === null ? '…' : formatSeconds(e.etaSeconds),
          });
        } else if (performance.now() - lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
          lastPlain = performance.now();
          const eta = e.etaSeconds === null ? '' : `, ${formatSeconds(e.etaSeconds)} left`;
          say(
            `${e.file}: ${formatBytes(e.fileBytes)} of ${formatBytes(e.fileTotal)}; all files ${Math.floor((100 * e.doneBytes) / Math.max(e.totalBytes, 1))}% at ${formatBytes(e.bytesPerSecond)}/s${eta}`,
          );
        }
        break;
      case 'retry':
        // The reason names the host already; the mirror's URL says which of the list.
        warn(`${e.file} from ${e.mirror}: ${e.reason}; retry ${e.attempt} in ${formatSeconds(e.delayMs / 1000)} from byte ${e.fromByte}`);
        break;
      case 'mirror-failed':
        warn(`${e.file} from ${e.mirror}: ${e.reason}`);
        break;
      case 'file-verified':
        say(e.status === 'cached' ? `${e.file}: already downloaded, verified` : `${e.file}: ${formatBytes(e.bytes)} from ${e.mirror ?? 'a mirror'}, verified`);
        break;
      case 'done':
      case 'failed':
        stop();
        break;
      default: {
        const unknown: never = e;
        throw new Error(`unhandled download event ${JSON.stringify(unknown)}`);
      }
    }
  };
  return { onEvent, stop };
}

export function registerDownload(program: Command, ctx: CliContext): void {
  program
    .command('download')
    .description('download a dataset into the studio home, verified file by file (a second run downloads nothing)')
    .option('--dataset <id>', `which dataset: ${BUILTIN_DATASET_IDS.join(' or ')}`, 'mnist')
    .option('--mirror <url>', 'a mirror base URL to try first (repeatable)', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('--no-default-mirrors', 'use only the --mirror URLs, not the built-in mirrors')
    .action(async (raw: unknown) => {
      const opts = parseOptions(ctx, DownloadOptions, raw, { dataset: '--dataset', mirror: '--mirror', defaultMirrors: '--no-default-mirrors' });
      if (!opts) return;
      const studio = await cliStudio(ctx);
      const view = downloadView(ctx);
      const off = studio.events.on('download', view.onEvent);
      // Ctrl-C cancels: the call answers CANCELLED and no .part stays behind.
      const offInterrupt = onInterrupt(() => void studio.handlers['datasets:cancel']({ id: opts.dataset }, { shell: 'cli' }));
      try {
        const result = await callStudio(ctx, studio, 'datasets:download', { id: opts.dataset, mirrors: opts.mirror, defaultMirrors: opts.defaultMirrors });
        view.stop();
        if (!result) return;
        const name = DATASETS[opts.dataset].name;
        if (result.downloadedBytes === 0) {
          ctx.io.out(`${name} is ready in ${result.dir}: all ${result.files.length} files were already there and verified; nothing downloaded.\n`);
        } else {
          const rate = result.seconds > 0 ? ` (${formatBytes(result.downloadedBytes / result.seconds)}/s)` : '';
          ctx.io.out(
            `${name} is ready in ${result.dir}: ${result.files.length} files verified; downloaded ${formatBytes(result.downloadedBytes)} in ${formatSeconds(result.seconds)}${rate}.\n`,
          );
        }
      } finally {
        view.stop();
        off();
        offInterrupt();
        await studio.close();
      }
    });
}
