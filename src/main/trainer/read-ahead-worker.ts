/** Entry of the read-ahead worker thread (read-ahead.ts): reads the dataset it is given, sends it, and ends. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveReadAhead, type ReadAheadRequest } from './read-ahead';

if (!parentPort) throw new Error('the read-ahead worker runs as a worker thread of a trainer');
const port = parentPort;
await serveReadAhead(workerData as ReadAheadRequest, (message, transfer) => port.postMessage(message, transfer));
