import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { appRoot } from '../../paths';
import type { WebServer } from '../../web/server';
import { EXIT, type CliContext } from '../context';
import { nextInterrupt } from '../signals';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** What a non-loopback `serve` hands to anyone who can reach it and has the URL (printed before it starts). */
export function exposureWarning(host: string): string {
  return [
    `warning: --expose: the studio listens on ${host}, beyond this machine.`,
    '  Anyone who can reach this address and has the URL below (it holds the access token) can use the studio as you:',
    '  train and stop runs, read, import, export and delete the data sets, runs and models in the studio home, change its settings.',
    '  The connection is plain HTTP: the token and everything else cross the network unencrypted. Share the URL only over a trusted network.',
    '',
  ].join('\n');
}

/**
 * The URLs other machines can use when serve listens on every address
 * (0.0.0.0 or ::): the printed one names the wildcard, which no browser can open.
 */
export function networkUrls(server: WebServer): string[] {
  if (server.host !== '0.0.0.0' && server.host !== '::') return [];
  // Link-local IPv6 needs a zone id a URL cannot carry.
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && (a.family === 'IPv4' || (server.host === '::' && !a.address.startsWith('fe80:'))));
  return addresses.map((a) => server.url.replace(/^http:\/\/[^/]+/, `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${server.port}`));
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the studio to a browser (web mode): the same UI, for a machine without a display')
    .option('--host <host>', 'address to listen on (loopback unless you say otherwise; another address needs --expose)', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 5170)
    .option('--expose', 'allow a --host other than loopback: anyone on the network with the URL can use the studio')
    .action(async (opts: { host: string; port: number; expose?: boolean }) => {
      // The studio and its server load when serve runs, not with every command.
      const [{ createStudio }, { isLoopback, startWebServer }] = await Promise.all([import('../../studio'), import('../../web/server')]);
      if (!isLoopback(opts.host) && !opts.expose) {
        ctx.io.err(
          `error: --host ${opts.host} would serve the studio beyond this machine: anyone who reaches it with the URL could train, and read and change the data sets and models in the studio home. Add --expose if that is what you mean.\n`,
        );
        ctx.state.exitCode = EXIT.usage;
        return;
      }
      const home = ctx.home();
      const studio = createStudio({ home, shell: 'web', resumeSweeps: true, warmTrainer: true });
      let server: WebServer;
      try {
        server = await startWebServer({ studio, rendererDir: path.join(appRoot(), 'out', 'renderer'), host: opts.host, port: opts.port });
      } catch (err) {
        await studio.close();
        ctx.io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.state.exitCode = EXIT.failed;
        return;
      }
      if (!isLoopback(opts.host)) ctx.io.err(exposureWarning(opts.host));
      const others = networkUrls(server);
      const elsewhere = others.length > 0 ? `From another machine:\n\n${others.map((u) => `  ${u}\n`).join('')}\n` : '';
      ctx.io.out(`MNIST Studio (web mode) is running. Open this URL in your browser:\n\n  ${server.url}\n\n${elsewhere}Studio home: ${home}\nPress Ctrl-C to stop.\n`);
      await nextInterrupt();
      await server.close();
      await studio.close();
    });
}
