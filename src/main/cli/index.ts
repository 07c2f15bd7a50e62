import { runCli } from './program';
import { installSignalHandling } from './signals';

installSignalHandling();
process.exitCode = await runCli(process.argv.slice(2));
