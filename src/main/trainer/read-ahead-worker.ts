/**
 * Entry of the read-ahead worker thread (read-ahead.ts): reads one dataset,
 * sends it, and ends. That of `train`'s prelaunched trainer guesses it from
 * the command line it was given (as the trainer does, train-argv.ts) and
 * starts at once; any other waits for its request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveReadAhead, type ReadAheadRequest } from './read-ahead';
import type { ReadAheadWorkerData } from './read-ahead-start';
import { guessTrainData, parsePrelaunchArgv } from '../training/train-argv';
import { mark } from '../trace';

if (!parentPort) throw new Error('the read-ahead worker runs as a worker thread of a trainer');
const port = parentPort;
mark('read-ahead: worker ready');
const argv = parsePrelaunchArgv((workerData as Partial<ReadAheadWorkerData> | undefined)?.prelaunchArgv);
const guessed = argv ? guessTrainData(argv, process.env) : null;
const request = guessed ?? (await new Promise<ReadAheadRequest>((resolve) => port.once('message', resolve)));
await serveReadAhead(request, (message, transfer) => port.postMessage(message, transfer));
