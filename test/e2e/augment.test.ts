import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/shared/settings';
import fs from 'node:fs';
import path from 'node:path';
import { collectErrors, drawn, SCREENSHOTS } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/**
 * The Train screen's augmentation card in Chromium through web mode: a
 * preset fills the fields, a typed field makes the mix custom, a bad value
 * is marked and blocks Start, and the preview grid shows the engine's
 * augmented digits of the chosen data set; in both themes and languages.
 */

let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio((studio) => studio.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' }));
});

afterAll(() => web?.close());

async function reloadAs(page: Page, language: 'en' | 'zh-CN', theme: 'light' | 'dark'): Promise<void> {
  await web.setSettings({ language, theme } satisfies Partial<Settings>);
  await page.reload();
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(language);
}

/** The preview's canvases, once every one has ink. */
async function previewDrawn(page: Page): Promise<number> {
  const canvases = page.getByTestId('augment-preview').locator('canvas');
  await expect.poll(() => canvases.count()).toBe(6 * 9);
  for (const c of await canvases.all()) await expect.poll(() => drawn(c)).toBe(true);
  return canvases.count();
}

/** The preview's pixels, as the page drew them. */
const previewPixels = (page: Page) =>
  page
    .getByTestId('augment-preview')
    .locator('canvas')
    .evaluateAll((els) => els.map((el) => (el as unknown as { toDataURL(): string }).toDataURL()).join('|'));

describe('Train screen: augmentation', () => {
  it('chooses a preset, edits a field, previews augmented digits and refuses a bad value', { timeout: 120_000 }, async () => {
    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(web.server.url);
    await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/web mode|网页模式/);
    await page.getByTestId('nav-train').click();
    await page.locator('[data-screen="train"]').waitFor();

    await expect.poll(() => page.getByTestId('augment-preset').inputValue()).toBe('none');
    await previewDrawn(page);
    const plain = await previewPixels(page);

    await page.getByTestId('augment-preset').selectOption('handwriting');
    await expect.poll(() => page.getByTestId('augment-rotate').inputValue()).toBe('20');
    await expect.poll(() => previewPixels(page)).not.toBe(plain);
    await previewDrawn(page);
    const handwriting = await previewPixels(page);
    await page.getByTestId('augment-reroll').click();
    await expect.poll(() => previewPixels(page)).not.toBe(handwriting);

    await page.getByTestId('augment-noise').fill('0.1');
    await expect.poll(() => page.getByTestId('augment-preset').inputValue()).toBe('custom');
    await page.getByTestId('augment-rotate').fill('400');
    await expect(page.getByTestId('augment-rotate-error').textContent()).resolves.toMatch(/From 0 to 180/);
    await expect.poll(() => page.getByTestId('start-blocker').textContent()).toMatch(/Fix the hyperparameters/);
    await page.getByTestId('augment-rotate').fill('15');
    await expect.poll(() => page.getByTestId('start-blocker').count()).toBe(0);
    // Kept with the other hyperparameters for the next visit.
    await expect.poll(() => (web.savedSettings().lastHyperparams as { augment?: { rotate: number } } | null)?.augment?.rotate).toBe(15);

    await page.getByTestId('augment-preset').selectOption('handwriting');
    for (const [language, theme] of [
      ['en', 'light'],
      ['en', 'dark'],
      ['zh-CN', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      await reloadAs(page, language, theme);
      await page.getByTestId('train-augment').waitFor();
      await previewDrawn(page);
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.getByTestId('train-augment').screenshot({ path: path.join(SCREENSHOTS, `train-augment-${language}-${theme}.png`), animations: 'disabled' });
    }
    await page.close();
    expect(errors).toEqual([]);
  });
});
