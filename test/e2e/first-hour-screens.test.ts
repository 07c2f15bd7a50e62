import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, latinOnlyFontconfig, launchBrowser } from '../helpers/browser';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/** Where this file's screenshots go, to be looked at. */
const SHOTS = process.env.SHOTS_DIR ?? path.join(os.tmpdir(), 'shots', 'first-hour');

let web: WebStudio;
/** A browser that sees no CJK system font. */
let bare: BrowserContext;
let fontDir: string;

beforeAll(async () => {
  requireBuiltTrainer();
  // Real digits (8,000 training, 2,000 test) imported as the data set "digits".
  web = await startWebStudio((studio) => studio.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' }));
  fontDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-studio-fonts-'));
  bare = await launchBrowser(undefined, { env: { FONTCONFIG_FILE: latinOnlyFontconfig(fontDir) } });
}, 60_000);

afterAll(async () => {
  await bare?.close();
  await web?.close();
  if (fontDir) fs.rmSync(fontDir, { recursive: true, force: true });
});

async function open(browser: BrowserContext, url = web.server.url): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** The weights of the bundled Chinese font's faces the page has loaded (each a unicode-range slice). */
const notoScWeights = (page: Page): Promise<string[]> =>
  // A string, as latinWordsOn does: this project's node side has no DOM types.
  page.evaluate<string[]>(`document.fonts.ready.then(() => [...new Set([...document.fonts]
    .filter((f) => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded').map((f) => f.weight))].sort())`);

describe('the first hour, in Chromium (web mode)', () => {
  it('Chinese renders in the bundled Noto Sans SC on a machine without CJK fonts, the English side bar’s 简体中文 too, within the CSP', { timeout: 60_000 }, async () => {
    await web.setSettings({ language: 'en', theme: 'light' });
    const { page, errors } = await open(bare);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected · web mode');
    // Only the language button is Chinese here: its regular weight is loaded for it.
    await expect.poll(() => notoScWeights(page)).toEqual(['400']);
    await shot(page, 'en-light-data-no-cjk-fonts');
    for (const theme of ['light', 'dark'] as const) {
      await web.setSettings({ language: 'zh-CN', theme });
      await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/网页模式/);
      await page.getByTestId('nav-train').click();
      // Titles are semibold, body text regular: both weights come from the bundle.
      await expect.poll(() => notoScWeights(page)).toEqual(['400', '600']);
      await shot(page, `zh-CN-${theme}-train-no-cjk-fonts`);
    }
    expect(errors).toEqual([]);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.close();
  });

  it('charts every batch’s loss, smoothed, with the epoch means and the validation loss (screenshots in both languages and themes)', { timeout: 120_000 }, async () => {
    await web.setSettings({ language: 'en', theme: 'light' });
    const { page, errors } = await open(web.browser);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected · web mode');
    await page.getByTestId('nav-train').click();
    // Logged every 100 batches as the seed does: 3 epochs of 29 steps, so no logged point at all, yet every batch is on the chart.
    const res = await dispatch(
      web.studio.handlers,
      'train:start',
      {
        dataset: { id: 'digits' },
        model: presetSpec('mlp'),
        hyperparams: { epochs: 3, limit: 2000, batchSize: 64, validationSplit: 0.1, seed: 3 },
      },
      { shell: 'web' },
    );
    expect(res).toMatchObject({ ok: true });
    await expect.poll(() => page.getByTestId('run-phase').textContent(), { timeout: 90_000 }).toMatch(/Finished|Failed/);
    expect((await page.getByTestId('run-phase').textContent())?.trim(), (await page.getByTestId('run-log').textContent()) ?? '').toBe('Finished');
    // 87 batches and their smoothed line, 3 epoch means, 3 validation losses.
    await expect.poll(() => page.getByTestId('loss-chart').getAttribute('data-points')).toBe(String(87 * 2 + 3 + 3));
    for (const [language, theme] of [
      ['en', 'light'],
      ['en', 'dark'],
      ['zh-CN', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      await web.setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await page.waitForTimeout(300);
      await page.getByTestId('loss-chart').screenshot({ path: path.join(SHOTS, `${language}-${theme}-loss-chart.png`), animations: 'disabled' });
    }
    await shot(page, 'en-train-finished');
    // The trained model in the Playground's picker (data set, accuracy, date) and in the Models table.
    for (const [language, theme] of [
      ['en', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      await web.setSettings({ language, theme });
      await page.getByTestId('nav-playground').click();
      await expect.poll(() => page.getByTestId('model-picker').locator('option').count()).toBe(1);
      await shot(page, `${language}-${theme}-playground`);
      await page.getByTestId('nav-models').click();
      await page.getByTestId('model-name').first().waitFor();
      await shot(page, `${language}-${theme}-models`);
    }
    expect(errors).toEqual([]);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.close();
  });

  it('web mode opened without its token says the link lacks it and where the full address is', { timeout: 60_000 }, async () => {
    const { page } = await open(web.browser, `http://127.0.0.1:${web.server.port}/`);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('This link is missing its token: open the full address mnist-studio serve printed.');
    const error = page.getByTestId('error').first();
    await expect.poll(() => error.textContent()).toContain('opened without its access token');
    expect(await error.textContent()).not.toContain('Start the studio engine');
    await shot(page, 'en-light-data-no-token');
    await page.close();
  });
});
