import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { electronBinary } from '../../electron-binary';
import { appRoot } from '../../paths';
import { EXIT, type CliContext } from '../context';

export interface DesktopCheck {
  ok: boolean;
  /** Path of the Electron binary when ok. */
  binary: string | null;
  /** What stops the desktop app, and what to do instead. */
  message: string;
}

const WEB_MODE_HINT = 'Use the studio in your browser instead: run `npx mnist-studio serve` and open the URL it prints.';

/**
 * Can the desktop app start here? It needs a display and the Electron
 * binary, which npm does not install: it is downloaded from GitHub on first
 * launch, and that download is tried here once.
 */
export function checkDesktop(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): DesktopCheck {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { ok: false, binary: null, message: `No display: the desktop app needs a graphical session (DISPLAY is not set). ${WEB_MODE_HINT}` };
  }
  let found = electronBinary(env);
  if (found.binary === 'missing' && found.installScript) {
    process.stderr.write('Downloading the Electron binary (first launch)…\n');
    spawnSync(process.execPath, [found.installScript], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    found = electronBinary(env);
  }
  if (found.binary === 'missing' || !found.path) {
    return {
      ok: false,
      binary: null,
      message:
        `The Electron ${found.version ?? ''} binary is not installed and could not be downloaded (it comes from GitHub). ` +
        `Run \`npx install-electron\` where GitHub is reachable, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron. ${WEB_MODE_HINT}`,
    };
  }
  return { ok: true, binary: found.path, message: `Electron ${found.version} at ${found.path}` };
}

/** Starts the built desktop app and resolves with its exit code. */
export function launchDesktop(binary: string, appDir: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(binary, [appDir, ...args], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export function registerDesktop(program: Command, ctx: CliContext): void {
  program
    .command('desktop')
    .description('start the desktop app (what npm start runs); explains what to do where it cannot run')
    .option('--check', 'only check that the desktop app can start here')
    .action(async (opts: { check?: boolean }) => {
      const check = checkDesktop();
      if (!check.ok || !check.binary) {
        ctx.io.err(`error: ${check.message}\n`);
        ctx.state.exitCode = EXIT.failed;
        return;
      }
      if (opts.check) return;
      const home = program.opts<{ home?: string }>().home;
      ctx.state.exitCode = await launchDesktop(check.binary, appRoot(), home ? ['--home', path.resolve(home)] : []);
    });
}
