import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Every file under `dir` (dot names included), by path relative to `dir`, with its SHA-256: the folder byte for byte. */
export type Snapshot = Record<string, string>;

export function snapshotTree(dir: string): Snapshot {
  const out: Snapshot = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** What became of the files of `before` in `after`: altered or gone (`changed`), and files that are new (`added`). */
export function compareSnapshots(before: Snapshot, after: Snapshot): { changed: string[]; added: string[] } {
  return {
    changed: Object.keys(before).filter((f) => after[f] !== before[f]),
    added: Object.keys(after).filter((f) => !(f in before)),
  };
}
