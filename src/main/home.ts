import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'MNIST Studio';

export interface HomeOptions {
  /** `--home DIR` from the command line; wins over everything. */
  home?: string | undefined;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}

/**
 * The studio home: the folder Electron's `app.getPath('userData')` gives for
 * the product name, computed the same way without Electron so the CLI, web
 * mode and the desktop app share datasets, runs, models and settings.
 */
export function resolveHome(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.home) return path.resolve(options.home);
  if (env.MNIST_STUDIO_HOME) return path.resolve(env.MNIST_STUDIO_HOME);
  const platform = options.platform ?? process.platform;
  const home = options.homedir ?? os.homedir();
  // path.join would use this machine's separator; a Windows path is only
  // ever computed on Windows, so the native join is right there.
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}
