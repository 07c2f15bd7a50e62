import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { appVersion } from '../app-info';
import { formatDoctor, runDoctor } from '../doctor';
import { checkDesktop, launchDesktop } from './desktop';
import { resolveHome } from '../home';
import { appRoot } from '../paths';
import { createStudio } from '../studio';
import { isLoopback, startWebServer } from '../web/server';

/** Exit codes every command follows. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Builds the `mnist-studio` command; each action sets `exitCode`. */
export function buildProgram(io: CliIO, state: { exitCode: number }): Command {
  const program = new Command('mnist-studio')
    .description('MNIST Studio: train neural networks on handwritten digits, from the terminal.')
    .version(appVersion(), '-v, --version')
    .option('--home <dir>', 'studio home (default: the desktop app’s data folder, or $MNIST_STUDIO_HOME)')
    .showHelpAfterError('(run mnist-studio --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('doctor')
    .description('check that native TensorFlow loads and print versions, threads and paths')
    .option('--json', 'print the report as JSON')
    .action((opts: { json?: boolean }) => {
      const home = resolveHome({ home: program.opts<{ home?: string }>().home });
      const report = runDoctor(home);
      io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      state.exitCode = report.ok ? EXIT.ok : EXIT.failed;
    });

  program
    .command('desktop')
    .description('start the desktop app (what npm start runs); explains what to do where it cannot run')
    .option('--check', 'only check that the desktop app can start here')
    .action(async (opts: { check?: boolean }) => {
      const check = checkDesktop();
      if (!check.ok) {
        io.err(`error: ${check.message}\n`);
        state.exitCode = EXIT.failed;
        return;
      }
      if (opts.check || !check.binary) return;
      const home = program.opts<{ home?: string }>().home;
      state.exitCode = await launchDesktop(check.binary, appRoot(), home ? ['--home', path.resolve(home)] : []);
    });

  program
    .command('serve')
    .description('serve the studio to a browser (web mode): the same UI, for a machine without a display')
    .option('--host <host>', 'address to listen on (loopback unless you say otherwise)', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 5170)
    .action(async (opts: { host: string; port: number }) => {
      const home = resolveHome({ home: program.opts<{ home?: string }>().home });
      const studio = createStudio({ home, shell: 'web' });
      const server = await startWebServer({ studio, rendererDir: path.join(appRoot(), 'out', 'renderer'), host: opts.host, port: opts.port });
      if (!isLoopback(opts.host)) {
        io.err(`warning: listening on ${opts.host}: anyone who can reach this address and has the URL's token can use the studio\n`);
      }
      io.out(`MNIST Studio (web mode) is running. Open this URL in your browser:\n\n  ${server.url}\n\nStudio home: ${home}\nPress Ctrl-C to stop.\n`);
      await waitForSignal();
      await server.close();
      await studio.close();
    });

  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** Resolves on Ctrl-C or SIGTERM. */
function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function runCli(argv: string[], io: CliIO = stdio): Promise<number> {
  const state = { exitCode: EXIT.ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
