/**
 * Entry of a trainer process: Electron utilityProcess in the app,
 * child_process.fork under plain Node. The trainer itself is main.ts; this
 * entry first starts a run's read-ahead worker, with only Node's modules
 * loaded, so the worker starts and reads while the trainer's own modules
 * load (read-ahead-start.ts). A spare trainer reads nothing ahead: its run
 * comes later and the warm cache prepares the data set (warm.ts).
 */
import { PRELAUNCH_ARGV_ENV, RUN_TRAINER_ENV, SPARE_ENV } from './protocol';
import { startEarly } from './read-ahead-start';
import { mark } from '../trace';

if (process.env[RUN_TRAINER_ENV] === '1' && process.env[SPARE_ENV] !== '1') {
  startEarly(process.env[PRELAUNCH_ARGV_ENV] ?? null);
  mark('trainer: read-ahead worker started');
}
// A module that fails to load ends the process, as a failed static import would: the host reports the exit.
void import('./main');
