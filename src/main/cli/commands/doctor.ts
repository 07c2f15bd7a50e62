import type { Command } from 'commander';
import { formatDoctor, runDoctor } from '../../doctor';
import { EXIT, type CliContext } from '../context';

export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check that native TensorFlow loads and print versions, threads and paths')
    .option('--json', 'print the report as JSON')
    .action((opts: { json?: boolean }) => {
      const report = runDoctor(ctx.home());
      ctx.io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      ctx.state.exitCode = report.ok ? EXIT.ok : EXIT.failed;
    });
}
