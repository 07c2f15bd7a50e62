/**
 * `train`'s trainer process, started first thing, before the CLI loads the
 * rest of itself: Node and the trainer's modules start while the command
 * line is read and checked. It guesses its run's threads from the command
 * line and loads TensorFlow at once (`guessTrainThreads`); where it cannot
 * guess, the threads come with the job. A command that ends without
 * training (a usage error) ends it, or its channel would keep the CLI alive.
 */
import { mark } from '../trace';
import { PRELAUNCH_ARGV_ENV } from '../trainer/protocol';
import { forkTrainer, trainerBaseEnv, trainerEntry, type TrainerLauncher, type TrainerProcess } from '../training/trainer-process';

let early: TrainerProcess | null = null;
/** The command line the prelaunched trainer was given (it guessed its threads from it). */
let earlyArgv: readonly string[] | null = null;

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
    early = forkTrainer({ entry: trainerEntry(), env: { ...trainerBaseEnv(env), [PRELAUNCH_ARGV_ENV]: JSON.stringify(argv) } });
    earlyArgv = argv;
    mark(`cli: trainer prelaunched ${early.pid}`);
  } catch {
    // Not built, or no process could start: `train` launches its own and says why.
    early = null;
  }
}

/**
 * A launcher that hands out the prelaunched trainer once, then launches with
 * `launch`. `fits(argv, options)` says whether the prelaunched one suits the
 * run (it may have loaded TensorFlow with the threads it guessed from its
 * command line); one that does not is ended, and a new one launched.
 */
export function prelaunchedFirst(launch: TrainerLauncher, fits: (argv: readonly string[], options: Parameters<TrainerLauncher>[0]) => boolean = () => true): TrainerLauncher {
  return (options) => {
    const child = early;
    early = null;
    if (child && !fits(earlyArgv ?? [], options)) {
      mark('cli: prelaunched trainer guessed other threads');
      child.kill();
      return launch(options);
    }
    return child ?? launch(options);
  };
}

/** Ends the prelaunched trainer if no run took it. */
export function dropPrelaunched(): void {
  early?.kill();
  early = null;
}
