/**
 * What trainers learn about this machine, kept across trainer processes in
 * the studio home's cache folder, one JSON file per kind, keyed by the
 * versions of the code that produced it (an update learns again):
 *
 * - `cache/self-test.json`: self-test verdicts by network, update rule and
 *   loss (`selfTestKey`). A CLI `train` of a configuration the home has
 *   trained before then starts its first step without the self-test (~1.3 s
 *   of the tutorial's run on two cores).
 * - `cache/kernels.json`: which filter-gradient formulation a convolution
 *   of a given shape and batch size trains with (native/kernel-choice.ts),
 *   also keyed by the thread count, oneDNN's switch and the CPU.
 *
 * A cache file that is missing, unreadable or invalid is ignored, and one
 * that cannot be written costs only the time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../fs-atomic';
import { libtensorflowVersion, type Tf } from '../native';
import { FILTER_GRADIENT_FORMS, type FilterGradientForm } from './native/kernel-choice';
import type { SelfTestProblem } from './training-path';

/** Entries kept at most per file (the newest): a home that tried many networks keeps a small file. */
const MAX_ENTRIES = 200;

/** One kind of entry, in its file under `field`. */
class HomeCache<V> {
  private readonly schema: z.ZodType<Record<string, V>>;
  constructor(
    readonly file: string,
    private readonly field: string,
    entry: z.ZodType<V>,
  ) {
    this.schema = z.object({ formatVersion: z.literal(1), [field]: z.record(z.string(), entry) }).transform((f) => f[field] as Record<string, V>);
  }

  private read(home: string): Record<string, V> {
    try {
      const parsed = this.schema.safeParse(JSON.parse(fs.readFileSync(path.join(home, this.file), 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** Adds the home's entries for these versions to `into` (those it already holds win). */
  load(home: string, versions: string, into: Map<string, V>): void {
    const prefix = `${versions}\n`;
    for (const [key, value] of Object.entries(this.read(home))) {
      if (!key.startsWith(prefix)) continue;
      const k = key.slice(prefix.length);
      if (!into.has(k)) into.set(k, value);
    }
  }

  /** Writes `entries` for these versions into the home's cache (atomically, beside what other versions left). */
  async save(home: string, versions: string, entries: Iterable<[string, V]>): Promise<void> {
    const all = this.read(home);
    for (const [k, value] of entries) {
      const key = `${versions}\n${k}`;
      // Re-inserted last: the newest entries are the ones kept.
      delete all[key];
      all[key] = value;
    }
    const kept = Object.entries(all).slice(-MAX_ENTRIES);
    const file = path.join(home, this.file);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await writeJsonAtomic(file, { formatVersion: 1, [this.field]: Object.fromEntries(kept) }, { compact: true });
  }
}

const Verdict: z.ZodType<SelfTestProblem | null> = z.union([z.null(), z.object({ cause: z.enum(['native-unavailable', 'native-disagreed']), message: z.string().max(2000) })]);

export const selfTestCache = new HomeCache<SelfTestProblem | null>(path.join('cache', 'self-test.json'), 'verdicts', Verdict);
export const kernelCache = new HomeCache<FilterGradientForm>(path.join('cache', 'kernels.json'), 'choices', z.enum(FILTER_GRADIENT_FORMS));

/** The versions of the code behind both training paths. */
function codeVersions(tf: Tf, appVersion: string): unknown[] {
  return [appVersion, tf.version['tfjs-node'] ?? null, libtensorflowVersion(tf), process.platform, process.arch];
}

/** What every self-test key starts with: the versions of the code behind both paths. */
export function cacheVersions(tf: Tf, appVersion: string): string {
  return JSON.stringify(codeVersions(tf, appVersion));
}

/** What every kernel key starts with: the versions, and what this process's kernels run with (fixed when TensorFlow loaded). */
export function kernelVersions(tf: Tf, appVersion: string): string {
  const env = process.env;
  return JSON.stringify([
    ...codeVersions(tf, appVersion),
    env.TF_NUM_INTRAOP_THREADS ?? 'default',
    env.TF_ENABLE_ONEDNN_OPTS ?? 'default',
    os.cpus()[0]?.model ?? '',
    os.cpus().length,
  ]);
}
