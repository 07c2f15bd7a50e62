import { mark } from '../trace';
import { dropPrelaunched, prelaunchTrainer } from './prelaunch';

mark('cli: started');
// Before the rest of the CLI loads: `train`'s trainer starts meanwhile.
prelaunchTrainer(process.argv.slice(2));
const { runCli } = await import('./program');
const { installSignalHandling } = await import('./signals');
mark('cli: modules loaded');

installSignalHandling();
process.exitCode = await runCli(process.argv.slice(2));
dropPrelaunched();
mark('cli: done');
