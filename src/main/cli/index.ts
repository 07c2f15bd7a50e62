import { runCli } from './program';
import { installSignalHandling } from './signals';
import { mark } from '../trace';

mark('cli: modules loaded');

installSignalHandling();
process.exitCode = await runCli(process.argv.slice(2));
mark('cli: done');
