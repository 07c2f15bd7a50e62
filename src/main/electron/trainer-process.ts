/** The desktop app's trainer launcher: Electron's utilityProcess, behind the same small interface as child_process.fork. */
import { utilityProcess } from 'electron';
import type { TrainerLauncher } from '../training/trainer-process';

export const launchUtilityTrainer: TrainerLauncher = ({ entry, env }) => {
  const child = utilityProcess.fork(entry, [], { env, stdio: ['ignore', 'ignore', 'pipe'], serviceName: 'MNIST Studio trainer' });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    // A utility process reports only its exit code; a crash shows as a non-zero code.
    onExit: (listener) => child.on('exit', (code) => listener({ code, signal: null })),
    onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString())),
    kill: () => void child.kill(),
  };
};
