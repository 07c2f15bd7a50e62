/**
 * `train`'s trainer process, started first thing, before the CLI loads the
 * rest of itself: Node and the trainer's modules start while the command
 * line is read and checked. Its run's threads come with the job (they are
 * set before TensorFlow loads); a command that ends without training (a
 * usage error) ends it, or its channel would keep the CLI alive.
 */
import { mark } from '../trace';
import { forkTrainer, trainerBaseEnv, trainerEntry, type TrainerLauncher, type TrainerProcess } from '../training/trainer-process';

let early: TrainerProcess | null = null;

/** The command `argv` names (its first word after the global options), or null. */
export function commandOf(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--home') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}

/** Starts `train`'s trainer when `argv` asks to train (not for its help). */
export function prelaunchTrainer(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  if (commandOf(argv) !== 'train' || argv.includes('--help') || argv.includes('-h')) return;
  try {
    early = forkTrainer({ entry: trainerEntry(), env: trainerBaseEnv(env) });
    mark(`cli: trainer prelaunched ${early.pid}`);
  } catch {
    // Not built, or no process could start: `train` launches its own and says why.
    early = null;
  }
}

/** A launcher that hands out the prelaunched trainer once, then launches with `launch`. */
export function prelaunchedFirst(launch: TrainerLauncher): TrainerLauncher {
  return (options) => {
    const child = early;
    early = null;
    return child ?? launch(options);
  };
}

/** Ends the prelaunched trainer if no run took it. */
export function dropPrelaunched(): void {
  early?.kill();
  early = null;
}
