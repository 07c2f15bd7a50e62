/**
 * Ctrl-C and SIGTERM for the command line, in one place. A library in our
 * tree (conf → atomically → when-exit) answers the first signal by sending
 * the same signal to the process again, to keep the default exit. With a
 * command handling signals itself, that echo would read as a second Ctrl-C
 * ("abort") or, once the command let go, kill the process mid-cleanup. So
 * one listener per signal stays for the life of the process, an echo
 * arriving right after a signal is dropped, and the innermost command that
 * asked gets the rest.
 */
export type Interrupt = 'SIGINT' | 'SIGTERM';

/** Exit codes of a process ended by a signal (128 + its number). */
export const EXIT_ON_SIGNAL: Record<Interrupt, number> = { SIGINT: 130, SIGTERM: 143 };

/** A signal within this many ms of the previous one is its echo, not a second Ctrl-C. */
const ECHO_MS = 300;

const handlers: ((signal: Interrupt) => void)[] = [];
let installed = false;
let last = -Infinity;

function dispatch(signal: Interrupt): void {
  const now = performance.now();
  if (now - last < ECHO_MS) return;
  last = now;
  const handler = handlers.at(-1);
  if (handler) handler(signal);
  else process.exit(EXIT_ON_SIGNAL[signal]);
}

/** Takes over SIGINT and SIGTERM for this process; without a handler they exit as usual (130 / 143). */
export function installSignalHandling(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => dispatch('SIGINT'));
  process.on('SIGTERM', () => dispatch('SIGTERM'));
}

/** Routes Ctrl-C / SIGTERM to `handler` until the returned function is called. */
export function onInterrupt(handler: (signal: Interrupt) => void): () => void {
  installSignalHandling();
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Resolves on the first Ctrl-C or SIGTERM; a second one while the caller cleans up exits at once. */
export function nextInterrupt(): Promise<Interrupt> {
  return new Promise((resolve) => {
    let seen: Interrupt | null = null;
    onInterrupt((signal) => {
      if (seen) process.exit(EXIT_ON_SIGNAL[signal]);
      seen = signal;
      resolve(signal);
    });
  });
}
