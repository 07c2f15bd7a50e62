/** Entry of the read-ahead worker thread (read-ahead.ts): waits for its one request, reads that dataset, sends it, and ends. */
import { parentPort } from 'node:worker_threads';
import { serveReadAhead, type ReadAheadRequest } from './read-ahead';
import { mark } from '../trace';

if (!parentPort) throw new Error('the read-ahead worker runs as a worker thread of a trainer');
const port = parentPort;
mark('read-ahead: worker ready');
const request = await new Promise<ReadAheadRequest>((resolve) => port.once('message', resolve));
await serveReadAhead(request, (message, transfer) => port.postMessage(message, transfer));
