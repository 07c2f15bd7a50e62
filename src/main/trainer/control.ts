import type { TrainerActivity } from '@shared/training';

/** How often the loop lets the event loop run, so pause and stop messages get in between batches. */
const YIELD_EVERY_MS = 25;

/**
 * Pause, resume and stop, taking effect between batches. The loop calls
 * `checkpoint()` before every batch; it yields to the event loop now and
 * then (tfjs-node ops are synchronous, so messages wait otherwise), and
 * holds while paused. Paused time is kept apart so speeds and ETAs ignore it.
 */
export class RunControl {
  private paused = false;
  private stopping = false;
  private wake: (() => void) | null = null;
  private lastYield: number;
  private pausedTotal = 0;

  constructor(
    private readonly onActivity: (activity: TrainerActivity) => void = () => {},
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.lastYield = clock();
  }

  pause(): void {
    if (!this.stopping) this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  /** Milliseconds since `start` (a clock reading) with the paused time taken out. */
  activeSince(start: number, pausedAtStart: number): number {
    return this.clock() - start - (this.pausedTotal - pausedAtStart);
  }

  /** Paused milliseconds so far; pass to `activeSince` with the matching clock reading. */
  get pausedMs(): number {
    return this.pausedTotal;
  }

  now(): number {
    return this.clock();
  }

  /** Before each batch: false once a stop is requested. `beforePause` runs once when a pause begins, before `paused` is told. */
  async checkpoint(beforePause?: () => void): Promise<boolean> {
    if (this.clock() - this.lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = this.clock();
    }
    if (this.paused && !this.stopping) {
      beforePause?.();
      this.onActivity('paused');
      const since = this.clock();
      while (this.paused && !this.stopping) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
      }
      this.pausedTotal += this.clock() - since;
      this.lastYield = this.clock();
      if (!this.stopping) this.onActivity('running');
    }
    return !this.stopping;
  }
}
