import fs from 'node:fs/promises';
import path from 'node:path';
import type { SweepRecord } from '@shared/sweeps';
import { StudioError } from '@shared/result';
import type { DomainHandlers, StudioContext } from '../studio-context';
import type { TrainerLauncher } from '../training/trainer-process';
import { SweepService } from './service';
import { sweepDir } from './store';

/**
 * Marks a sweep that the studio (not the user) cut off by closing: the next
 * studio that opens this home resumes it. A sweep the user stopped waits
 * for the user.
 */
const RESUME_MARK = 'resume-on-start';

/**
 * The `sweeps` domain for the screens: a sweep runs in the background of
 * the engine, its trials reported on the `sweep` stream. Closing the studio
 * interrupts the running sweeps (their running trials run again later); the
 * next studio resumes them, so none is lost and no trial finishes twice.
 */
export function sweepHandlers(ctx: StudioContext, options: { launch?: TrainerLauncher | undefined; resumeOnOpen?: boolean } = {}): DomainHandlers<'sweeps'> {
  const { launch, resumeOnOpen = false } = options;
  const service = new SweepService({ home: ctx.home, ...(launch ? { launch } : {}) });
  const off = service.on((event) => ctx.events.emit('sweep', event));
  const running = new Map<string, Promise<SweepRecord | null>>();
  let closing = false;

  function runInBackground(id: string, parallel: number | undefined): void {
    const done = service
      .start(id, parallel === undefined ? {} : { parallel })
      .catch((err: unknown) => {
        ctx.events.emit('notice', { kind: 'notice', level: 'error', message: `Sweep ${id} stopped: ${(err as Error).message}` });
        return null;
      })
      .finally(() => running.delete(id));
    running.set(id, done);
  }

  ctx.onClose(async () => {
    closing = true;
    const ids = [...running.keys()];
    await Promise.all(ids.map((id) => fs.writeFile(path.join(sweepDir(ctx.home, id), RESUME_MARK), '').catch(() => {})));
    for (const id of ids) service.interrupt(id);
    await Promise.all(running.values());
    off();
  });

  // Sweeps the last studio window closed on go on (the CLI resumes only with --resume).
  if (resumeOnOpen)
    void service
      .list()
      .then(async (sweeps) => {
        for (const s of sweeps) {
          if (closing || s.status !== 'interrupted') continue;
          const mark = path.join(sweepDir(ctx.home, s.id), RESUME_MARK);
          const marked = await fs.rm(mark).then(
            () => true,
            () => false,
          );
          if (marked) runInBackground(s.id, undefined);
        }
      })
      .catch(() => {});

  return {
    'sweeps:list': async () => service.list(),
    'sweeps:get': async ({ id }) => service.show(id),
    'sweeps:start': async ({ spec, parallel }) => {
      const record = await service.create(spec);
      runInBackground(record.id, parallel);
      return { sweepId: record.id };
    },
    'sweeps:resume': async ({ id, parallel }) => {
      const record = await service.show(id);
      if (running.has(id) || record.status === 'running') throw new StudioError('BUSY', `sweep ${id} is running`, 'id');
      if (record.status === 'done') throw new StudioError('INVALID_ARGUMENT', `sweep ${id} has finished; nothing to resume`, 'id');
      runInBackground(id, parallel);
      return { sweepId: id };
    },
    'sweeps:stop': async ({ id }) => {
      if (!running.has(id)) throw new StudioError('NOT_FOUND', `sweep ${id} is not running in this studio`, 'id');
      service.interrupt(id);
      await running.get(id);
      return { sweepId: id };
    },
    'sweeps:delete': async ({ id }) => {
      if (running.has(id)) throw new StudioError('BUSY', `sweep ${id} is running; stop it first`, 'id');
      await service.delete(id);
      return { id };
    },
  };
}
