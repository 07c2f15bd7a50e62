/**
 * Sweeps as a service, for the CLI and (later) a Sweeps screen: define a
 * sweep, run or resume it, watch its trials, list, show and delete sweeps.
 * One engine per running sweep; its events name the sweep.
 */
import type { SweepEvent, SweepRecord, SweepSummary } from '@shared/sweeps';
import { SweepEngine, type SweepEngineOptions } from './engine';
import { deleteSweep, listSweeps, readSweep } from './store';

export class SweepService {
  private readonly running = new Map<string, SweepEngine>();
  private readonly listeners = new Set<(event: SweepEvent) => void>();

  constructor(private readonly options: SweepEngineOptions) {}

  /** Every event of every sweep this service runs. Returns the unsubscribe. */
  on(listener: (event: SweepEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private engine(): SweepEngine {
    const engine = new SweepEngine(this.options);
    engine.on((event) => {
      for (const l of this.listeners) l(event);
    });
    return engine;
  }

  /** Checks and records a sweep (trials pending); `start` runs it. */
  create(spec: unknown): Promise<SweepRecord> {
    return this.engine().create(spec);
  }

  /** Runs (or resumes) a sweep to its end; resolves with its final record. */
  async start(id: string, options: { parallel?: number; queue?: string } = {}): Promise<SweepRecord> {
    if (this.running.has(id)) throw new Error(`sweep ${id} is already running here`);
    const engine = this.engine();
    this.running.set(id, engine);
    try {
      return await engine.run(id, options);
    } finally {
      this.running.delete(id);
    }
  }

  /** Interrupts a running sweep: its running trials are killed and run again on resume. */
  interrupt(id: string): void {
    this.running.get(id)?.interrupt();
  }

  list(): Promise<SweepSummary[]> {
    return listSweeps(this.options.home);
  }

  show(id: string): Promise<SweepRecord> {
    return readSweep(this.options.home, id);
  }

  delete(id: string): Promise<void> {
    return deleteSweep(this.options.home, id);
  }
}
