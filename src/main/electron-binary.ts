import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const nodeRequire = createRequire(import.meta.url);

/** Whether the Electron binary the desktop app needs is on disk (it is fetched from GitHub on first launch). */
export interface ElectronBinary {
  version: string | null;
  binary: 'present' | 'missing';
  path: string | null;
  /** The electron package's own download script, for fetching the binary. */
  installScript: string | null;
}

/** Finds Electron's binary the way its npm package does, without triggering its download. */
export function electronBinary(env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let pkgPath: string;
  try {
    pkgPath = nodeRequire.resolve('electron/package.json');
  } catch {
    return { version: null, binary: 'missing', path: null, installScript: null };
  }
  const dir = path.dirname(pkgPath);
  const version = (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const pathFile = path.join(dir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
  const binary = rel ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist'), rel) : null;
  const present = binary !== null && fs.existsSync(binary);
  return { version, binary: present ? 'present' : 'missing', path: present ? binary : null, installScript: path.join(dir, 'install.js') };
}
