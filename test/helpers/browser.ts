import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ROOT } from './project';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screens');

/**
 * Debian's Chromium, headless, with a fresh profile (removed when it closes)
 * unless `profile` is given; closed by the caller. `env` adds to the
 * browser's environment (e.g. FONTCONFIG_FILE, to see the page without some
 * system fonts); `bypassCSP` lets a test inject a script (axe-core) the
 * studio's CSP would block.
 */
export async function launchBrowser(profile?: string, options: { env?: Record<string, string>; bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the CI script does)`);
  // Not tmpDir(), which is removed after each test: a browser launched in beforeAll outlives the first test and still writes to its profile.
  const own = profile === undefined;
  const dir = profile ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 820 },
    ...(options.env && Object.keys(options.env).length > 0 ? { env: { ...(process.env as Record<string, string>), ...options.env } } : {}),
    bypassCSP: options.bypassCSP ?? false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The browser may still flush its caches for a moment after it closes: retried, and a profile it keeps writing is left to the system's temp cleaning rather than failing a test.
  if (own) context.on('close', () => void fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => undefined));
  return context;
}

/**
 * A fontconfig file that shows a browser only the DejaVu and Liberation fonts
 * (no CJK font), for FONTCONFIG_FILE: the page as a machine without Chinese fonts shows it.
 */
export function latinOnlyFontconfig(dir: string): string {
  const file = path.join(dir, 'fonts.conf');
  fs.writeFileSync(
    file,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>/usr/share/fonts/truetype/dejavu</dir>\n  <dir>/usr/share/fonts/truetype/liberation</dir>\n  <cachedir>${path.join(dir, 'fc-cache')}</cachedir>\n</fontconfig>\n`,
  );
  return file;
}

/** Collects what the page logs as errors (CSP violations land here) and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // Transitions (a theme switch fades colours for 120 ms) finish at once, so no shot catches one midway.
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** The whole screen: the window grows to the height of the scrolled content (the shell scrolls inside <main>) for the shot. */
export async function screenshotScreen(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  const height = await page.locator('#main').evaluate((main) => main.scrollHeight);
  // No hover left over from the last click.
  await page.mouse.move(0, viewport.height - 1);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  await screenshot(page, name);
  await page.setViewportSize(viewport);
}

/**
 * Latin words on screen (outside code, pre and svg: paths, URLs, file names)
 * other than `allowed`: on a Chinese screen, untranslated English.
 */
export async function latinWordsOn(page: Page, allowed: ReadonlySet<string>): Promise<string[]> {
  const text = await page.evaluate<string>(`(() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) if (!walker.currentNode.parentElement.closest('code, pre, svg')) texts.push(walker.currentNode.textContent);
    return texts.join(' ');
  })()`);
  // A model's id (date, time, hex) is data, as in a downloaded file's name: its hex is no word of the UI.
  const words = text.replace(/\b\d{8}-\d{6}-[0-9a-f]{6}\b/g, ' ');
  return [...new Set(words.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [])].filter((word) => !allowed.has(word));
}

/**
 * Resolves once every finite CSS transition and animation on the page has
 * ended: a contrast check right after a theme switch would otherwise read
 * colours half-way (the side bar's buttons fade over 120 ms). An endless one
 * (a live run's pulse) is not waited for: it never finishes.
 */
export async function transitionsDone(page: Page): Promise<void> {
  await page.evaluate(`Promise.all(
    document.getAnimations()
      .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
      .map((a) => a.finished.catch(() => undefined)),
  ).then(() => undefined)`);
}

/** The part of a canvas the checks read (the node project has no DOM types). */
export interface Canvas2D {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/** Whether a canvas has any pixel that is not transparent: something was drawn. */
export function drawn(canvas: Locator): Promise<boolean> {
  return canvas.evaluate((el) => {
    const c = el as unknown as Canvas2D;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) return true;
    return false;
  });
}
