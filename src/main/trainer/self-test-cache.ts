/**
 * Self-test verdicts kept across trainer processes, in the studio home's
 * cache (`cache/self-test.json`). A verdict depends on the network, the
 * update rule and the loss (`selfTestKey`) and on the code that computes
 * both paths: the app, tfjs-node and libtensorflow versions are part of
 * every key, so an update tests again. A CLI `train` of a configuration the
 * home has trained before then starts its first step without the self-test
 * (~1.3 s of the tutorial's run on two cores). The file is a cache: one that
 * is missing, unreadable or invalid is ignored, and one that cannot be
 * written costs only the time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../fs-atomic';
import { libtensorflowVersion, type Tf } from '../native';
import type { SelfTestProblem, SelfTestVerdicts } from './training-path';

export const SELF_TEST_CACHE_FILE = path.join('cache', 'self-test.json');
/** Entries kept at most (the newest): a home that tried many networks keeps a small file. */
const MAX_ENTRIES = 200;

const Verdict = z.union([z.null(), z.object({ cause: z.enum(['native-unavailable', 'native-disagreed']), message: z.string().max(2000) })]);
const CacheFile = z.object({ formatVersion: z.literal(1), verdicts: z.record(z.string(), Verdict) });

/** What every key starts with: the versions of the code behind both paths. */
export function selfTestVersions(tf: Tf, appVersion: string): string {
  return JSON.stringify([appVersion, tf.version['tfjs-node'] ?? null, libtensorflowVersion(tf), process.platform, process.arch]);
}

function readFile(home: string): Record<string, SelfTestProblem | null> {
  try {
    const parsed = CacheFile.safeParse(JSON.parse(fs.readFileSync(path.join(home, SELF_TEST_CACHE_FILE), 'utf8')));
    return parsed.success ? parsed.data.verdicts : {};
  } catch {
    return {};
  }
}

/** Adds the home's verdicts for these versions to `verdicts` (those it already holds win). */
export function loadVerdicts(home: string, versions: string, verdicts: SelfTestVerdicts): void {
  const prefix = `${versions}\n`;
  for (const [key, verdict] of Object.entries(readFile(home))) {
    if (!key.startsWith(prefix)) continue;
    const k = key.slice(prefix.length);
    if (!verdicts.has(k)) verdicts.set(k, verdict);
  }
}

/** Writes `verdicts` for these versions into the home's cache (atomically, beside what other versions left). */
export async function saveVerdicts(home: string, versions: string, verdicts: SelfTestVerdicts): Promise<void> {
  const all = readFile(home);
  for (const [k, verdict] of verdicts) {
    const key = `${versions}\n${k}`;
    // Re-inserted last: the newest entries are the ones kept.
    delete all[key];
    all[key] = verdict;
  }
  const kept = Object.entries(all).slice(-MAX_ENTRIES);
  const file = path.join(home, SELF_TEST_CACHE_FILE);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, { formatVersion: 1, verdicts: Object.fromEntries(kept) }, { compact: true });
}
