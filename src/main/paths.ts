import fs from 'node:fs';
import path from 'node:path';

let cached: string | null = null;

/**
 * The installed app's folder (the one holding mnist-studio's package.json
 * and out/), found from this module's location so it holds both for the
 * built bundles and for sources run by tests.
 */
export function appRoot(): string {
  if (cached) return cached;
  let dir = import.meta.dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mnist-studio') {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the mnist-studio package folder above ${import.meta.dirname}`);
    dir = parent;
  }
}
