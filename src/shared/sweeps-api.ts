import { z } from 'zod';
import { ALL_SHELLS, method, NoInput } from './method';
import { SWEEP_LIMITS, SweepSpec, type SweepRecord, type SweepSummary } from './sweeps';
import { Id } from './training';
import { wholeNumber } from './model-spec';

const SweepRef = z.object({ id: Id }).strict();
const Parallel = wholeNumber(1, SWEEP_LIMITS.parallel).optional();

/** Sweeps: many runs of one base configuration, reported on the `sweep` event stream. */
export const SWEEPS_API = {
  'sweeps:list': method<SweepSummary[]>()(NoInput, 'Every sweep in the studio home, newest first.', ALL_SHELLS),
  'sweeps:get': method<SweepRecord>()(SweepRef, 'One sweep in full: its spec and every trial with its run, model and metric.', ALL_SHELLS),
  'sweeps:start': method<{ sweepId: string }>()(
    z.object({ spec: SweepSpec, parallel: Parallel }).strict(),
    'Checks and records a sweep, then runs it in the background; trials arrive as `sweep` events. A folder of IDX files (dataDir) only from the CLI.',
    ALL_SHELLS,
    // A page names installed data sets; a path on the engine's machine is for its own user.
    { 'spec.dataDir': ['cli'] },
  ),
  'sweeps:resume': method<{ sweepId: string }>()(
    z.object({ id: Id, parallel: Parallel }).strict(),
    'Runs the trials of an interrupted sweep that have not finished; none runs twice.',
    ALL_SHELLS,
  ),
  'sweeps:stop': method<{ sweepId: string }>()(SweepRef, 'Interrupts a running sweep: its running trials stop and run again on resume.', ALL_SHELLS),
  'sweeps:delete': method<{ id: string }>()(SweepRef, 'Deletes a finished or interrupted sweep’s record (its runs and models stay).', ALL_SHELLS),
};
