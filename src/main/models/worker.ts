/**
 * The library's worker: one trainer process, started on the first
 * evaluation or prediction and kept while work comes (drawing digit after
 * digit must not pay for loading TensorFlow each time), ended after a
 * quiet spell or with the studio. The same launcher and bundle as training
 * runs; a crash of the worker fails its pending calls and the next call
 * starts a new one.
 */
import { StudioError } from '@shared/result';
import { exitReason } from '../trainer/failure';
import { isTaskReply, type ModelTask } from '../trainer/protocol';
import { forkTrainer, trainerEntry, type TrainerLauncher, type TrainerProcess } from '../training/trainer-process';

export interface ModelWorkerOptions {
  launch?: TrainerLauncher;
  env?: NodeJS.ProcessEnv;
  /** How long an idle worker is kept (default 60 s). */
  idleMs?: number;
}

const STDERR_TAIL = 4096;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class ModelWorker {
  private child: TrainerProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private stderr = '';
  private closed = false;

  constructor(private readonly options: ModelWorkerOptions = {}) {}

  /** The worker's process id, while one runs (tests watch it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): TrainerProcess {
    const child = (this.options.launch ?? forkTrainer)({ entry: trainerEntry(), env: { ...(this.options.env ?? process.env) } });
    this.stderr = '';
    child.onStderr((text) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL);
    });
    child.onMessage((message) => {
      if (!isTaskReply(message)) return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new StudioError(message.error.code, message.error.message, message.error.field));
      this.armIdle();
    });
    child.onExit((exit) => {
      if (this.child === child) this.child = null;
      const reason = exitReason(exit, this.stderr).replace('before the run finished', 'during the task');
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new StudioError('NATIVE', reason));
      }
    });
    return child;
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.pending.size > 0 || !this.child) return;
    this.idleTimer = setTimeout(() => this.stop(), this.options.idleMs ?? 60_000);
    this.idleTimer.unref();
  }

  /** Runs a task in the worker and resolves with its answer; StudioError on any failure. */
  run<T>(task: ModelTask): Promise<T> {
    if (this.closed) return Promise.reject(new StudioError('CANCELLED', 'the studio is closing'));
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.child ??= this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child!.send({ kind: 'task', id, task });
    });
  }

  /** Ends the worker process (pending calls fail). */
  stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.child?.kill();
    this.child = null;
  }

  close(): void {
    this.closed = true;
    this.stop();
  }
}
