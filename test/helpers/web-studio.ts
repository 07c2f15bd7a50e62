import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Settings } from '../../src/shared/settings';
import { createStudio, type Studio } from '../../src/main/studio';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { launchBrowser } from './browser';
import { ROOT } from './project';

/** A real studio in a temporary home, served in web mode to a headless Chromium: what the browser tests drive. */
export interface WebStudio {
  home: string;
  studio: Studio;
  server: WebServer;
  browser: BrowserContext;
  /** settings.json as it is on disk now ({} before the first write). */
  savedSettings(): Partial<Settings>;
  /** Changes the settings as another window would (the page hears of it). */
  setSettings(patch: Partial<Settings>): Promise<void>;
  /** Closes the browser, the server and the studio (stopping any run), and removes the home and the browser's profile. */
  close(): Promise<void>;
}

/** Starts one for a test file; `prepare` runs on the studio before the server opens (to import a data set, say). */
export async function startWebStudio(prepare: (studio: Studio) => Promise<unknown> = async () => undefined, options: { bypassCSP?: boolean } = {}): Promise<WebStudio> {
  // One home for the whole file: the tests follow settings and runs across reloads.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-e2e-'));
  const settingsFile = path.join(home, 'settings.json');
  const studio = createStudio({ home, shell: 'web' });
  await prepare(studio);
  const server = await startWebServer({ studio, rendererDir: path.join(ROOT, 'out', 'renderer') });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-chromium-'));
  const browser = await launchBrowser(profile, options);
  return {
    home,
    studio,
    server,
    browser,
    savedSettings: () => (fs.existsSync(settingsFile) ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Partial<Settings>) : {}),
    setSettings: async (patch) => {
      await studio.handlers['settings:update'](patch, { shell: 'cli' });
    },
    close: async () => {
      await browser.close();
      await server.close();
      await studio.close();
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
