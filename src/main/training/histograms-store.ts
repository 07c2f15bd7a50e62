import fs from 'node:fs/promises';
import path from 'node:path';
import { HISTOGRAMS_FILE, RunHistograms } from '@shared/histograms';
import { StudioError } from '@shared/result';
import { runDir } from './runs-store';

/**
 * A run's weight and gradient histograms (histograms.json in its folder),
 * checked against the schema; null for a run that recorded none (one from
 * before histograms were recorded, or one that failed before its first).
 */
export async function readHistograms(home: string, id: string): Promise<RunHistograms | null> {
  const dir = runDir(home, id);
  const file = path.join(dir, HISTOGRAMS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StudioError('IO', `${file}: ${(err as Error).message}`);
    try {
      await fs.access(dir);
    } catch {
      throw new StudioError('NOT_FOUND', `no run ${id} in ${path.dirname(dir)}`, 'id');
    }
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StudioError('INTEGRITY', `${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = RunHistograms.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StudioError('INTEGRITY', `${file}: ${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  return parsed.data;
}
