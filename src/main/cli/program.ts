import { Command, CommanderError } from 'commander';
import { appVersion } from '../app-info';
import { registerDatasets } from './commands/datasets';
import { registerDesktop } from './commands/desktop';
import { registerDoctor } from './commands/doctor';
import { registerDownload } from './commands/download';
import { registerEmbed } from './commands/embed';
import { registerExplain } from './commands/explain';
import { registerImport } from './commands/import';
import { registerModels, registerModelTools } from './commands/models';
import { registerRuns } from './commands/runs';
import { registerServe } from './commands/serve';
import { registerSweeps } from './commands/sweeps';
import { registerTrain } from './commands/train';
import { createCliContext, EXIT, type CliIO } from './context';

export { EXIT, type CliIO } from './context';

const stdio: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
};

/** Builds the `mnist-studio` command; each action sets `state.exitCode`. */
export function buildProgram(io: CliIO, state: { exitCode: number }): Command {
  const program = new Command('mnist-studio')
    .description('MNIST Studio: train neural networks on handwritten digits, from the terminal.')
    .version(appVersion(), '-v, --version')
    .option('--home <dir>', 'studio home (default: the desktop app’s data folder, or $MNIST_STUDIO_HOME)')
    .showHelpAfterError('(run mnist-studio --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const ctx = createCliContext(program, io, state);
  // One line per command group.
  registerDoctor(program, ctx);
  registerDesktop(program, ctx);
  registerServe(program, ctx);
  registerDownload(program, ctx);
  registerImport(program, ctx);
  registerDatasets(program, ctx);
  registerTrain(program, ctx);
  registerRuns(program, ctx);
  registerSweeps(program, ctx);
  registerModels(program, ctx);
  registerModelTools(program, ctx);
  registerEmbed(program, ctx);
  registerExplain(program, ctx);
  return program;
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
