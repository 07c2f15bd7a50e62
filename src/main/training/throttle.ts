import type { TrainEvent } from '@shared/training';

/** At most this many `batch` and `progress` events a second reach a window. */
export const UI_EVENTS_PER_SECOND = 10;

type BatchEvent = Extract<TrainEvent, { kind: 'batch' }>;
type ProgressEvent = Extract<TrainEvent, { kind: 'progress' }>;

/**
 * Rate-limits the `train` stream on its way to IPC or a WebSocket, so a
 * fast run (a logged batch every few milliseconds) cannot flood a window.
 * Batch points and losses are merged into the next event (so an event carries
 * at most a tenth of a second's batch losses), never dropped; of the
 * progress events only the latest matters. Any other event first flushes
 * what is held, so `epoch`, `done` and `failed` arrive at once and in order.
 */
export class TrainEventThrottle {
  private batch: BatchEvent | null = null;
  private progress: ProgressEvent | null = null;
  private lastFlush = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (event: TrainEvent) => void,
    private readonly intervalMs = 1000 / UI_EVENTS_PER_SECOND,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  push(event: TrainEvent): void {
    if (event.kind === 'batch') {
      // Held losses must run on into the new ones; a gap (never from one trainer) is sent as it is.
      const held = this.batch;
      if (held && (held.runId !== event.runId || held.losses.from + held.losses.values.length !== event.losses.from)) this.flush();
      this.batch = this.batch
        ? { ...event, points: [...this.batch.points, ...event.points], losses: { from: this.batch.losses.from, values: [...this.batch.losses.values, ...event.losses.values] } }
        : event;
    } else if (event.kind === 'progress') {
      if (this.progress && this.progress.runId !== event.runId) this.flush();
      this.progress = event;
    } else {
      this.flush();
      this.emit(event);
      return;
    }
    const wait = this.lastFlush + this.intervalMs - this.clock();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Sends whatever is held now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = [this.batch, this.progress];
    this.batch = null;
    this.progress = null;
    let sent = false;
    for (const event of held) {
      if (event) {
        this.emit(event);
        sent = true;
      }
    }
    if (sent) this.lastFlush = this.clock();
  }

  dispose(): void {
    this.flush();
  }
}
