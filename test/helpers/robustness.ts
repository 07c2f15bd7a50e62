import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './project';

/**
 * Numbers a robustness case measured, for the summary table of
 * `npm run check:robustness` (scripts/robustness-summary.mjs): one JSON line
 * per case in test-results/robustness/<category>.jsonl. Whether the case
 * passed comes from vitest's own report; this only adds what it measured.
 */
export interface RobustnessMetric {
  /** The summary's row: 'idx-reader', 'model-import', 'ipc-schemas', 'faults', 'load', ... */
  category: string;
  /** What was tried: a hostile file's name, a fault's name. */
  name: string;
  /** Peak resident memory while handling it, in MiB. */
  peakRssMb?: number;
  /** Files of the user's data that changed (byte for byte) after a fault run: must be 0. */
  filesChanged?: number;
  /** How many generated inputs a property test ran. */
  runs?: number;
  /** Anything else worth a column, as numbers. */
  extra?: Record<string, number>;
}

export const ROBUSTNESS_RESULTS = path.join(ROOT, 'test-results', 'robustness');

export function recordMetric(metric: RobustnessMetric): void {
  fs.mkdirSync(ROBUSTNESS_RESULTS, { recursive: true });
  fs.appendFileSync(path.join(ROBUSTNESS_RESULTS, `${metric.category}.jsonl`), `${JSON.stringify({ ...metric, at: new Date().toISOString() })}\n`);
}

/**
 * Points TMPDIR at a fresh folder in memory (/dev/shm, a tmpfs) for the
 * calling test file where there is one, and puts it back afterwards: for
 * property tests that write thousands of small files and fsync them, so the
 * disk's speed does not set the run time.
 */
export function tmpdirInMemory(): void {
  const savedTmp = process.env.TMPDIR;
  let shm: string | null = null;
  beforeAll(() => {
    if (fs.existsSync('/dev/shm')) {
      shm = fs.mkdtempSync('/dev/shm/mnist-studio-robustness-');
      process.env.TMPDIR = shm;
    }
  });
  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    if (shm) fs.rmSync(shm, { recursive: true, force: true });
  });
}
