import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { appRoot } from '../../paths';
import { createStudio } from '../../studio';
import { isLoopback, startWebServer } from '../../web/server';
import type { CliContext } from '../context';
import { nextInterrupt } from '../signals';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the studio to a browser (web mode): the same UI, for a machine without a display')
    .option('--host <host>', 'address to listen on (loopback unless you say otherwise)', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 5170)
    .action(async (opts: { host: string; port: number }) => {
      const home = ctx.home();
      const studio = createStudio({ home, shell: 'web' });
      const server = await startWebServer({ studio, rendererDir: path.join(appRoot(), 'out', 'renderer'), host: opts.host, port: opts.port });
      if (!isLoopback(opts.host)) {
        ctx.io.err(`warning: listening on ${opts.host}: anyone who can reach this address and has the URL's token can use the studio\n`);
      }
      ctx.io.out(`MNIST Studio (web mode) is running. Open this URL in your browser:\n\n  ${server.url}\n\nStudio home: ${home}\nPress Ctrl-C to stop.\n`);
      await nextInterrupt();
      await server.close();
      await studio.close();
    });
}
