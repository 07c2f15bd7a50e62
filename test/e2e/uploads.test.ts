/**
 * Web mode brings models in as the browser's own files: Chromium picks a
 * model the studio exported (its .zip, or its TF.js folder's files) with a
 * file input, the page uploads them in chunks and the engine imports them.
 * Mirrors are shown read-only in Settings: a browser may not change them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { loadTf } from '../../src/main/native';
import { presetSpec } from '../../src/shared/model-spec';
import type { ModelDownload } from '../../src/shared/models-api';
import type { Result } from '../../src/shared/result';
import { collectErrors, latinWordsOn, screenshot } from '../helpers/browser';
import { saveToLibrary, testMetadata, trainBriefly } from '../helpers/models';
import { tmpDir } from '../helpers/tmp';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/** Latin words a Chinese Models or Settings screen may show here: names, formats, the command. */
const LATIN_ALLOWED = new Set([
  'MNIST',
  'Studio',
  'TF',
  'js',
  'layers',
  'model',
  'json',
  'zip',
  'English',
  'mnist',
  'studio',
  'Exported',
  'MLP',
  'kB',
  'https',
  'mirror',
  'example',
  'org',
  'From',
  'its',
  'folder',
  // The Keras format (issue 16): its name, file extensions and how Keras loads it.
  'Keras',
  'keras',
  'h5',
  'saving',
  'load',
  'logits',
  'onnx',
  'ONNX',
  'PyTorch',
]);
/** Where the screenshots of this branch's screens are kept for a look. */
const SHOTS = '/tmp/shots/trust-api';

let web: WebStudio;

beforeAll(async () => {
  web = await startWebStudio(async (studio) => {
    const tf = loadTf();
    const model = await trainBriefly(tf, presetSpec('mlp'), 64, 1);
    await saveToLibrary(tf, model, studio.home, testMetadata('mlp', presetSpec('mlp'), { name: 'Exported MLP' }));
    model.dispose();
    await studio.handlers['settings:update']({ mirrors: ['https://mirror.example.org/mnist/'] }, { shell: 'cli' });
  });
}, 60_000);

afterAll(async () => {
  await web?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  const file = await screenshot(page, name);
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(file, path.join(SHOTS, `${name}.png`));
}

describe('uploads in Chromium (web mode)', () => {
  it('imports a model the studio exported, from its .zip and from its folder’s files, picked in the browser', async () => {
    // What a user of the studio has on their own computer: an export as a .zip, and as a TF.js folder.
    const out = tmpDir();
    const zip = (await dispatch(web.studio.handlers, 'models:download', { id: 'mlp', format: 'tfjs-zip' }, { shell: 'cli' })) as Result<ModelDownload>;
    if (!zip.ok) throw new Error(zip.error.message);
    fs.writeFileSync(path.join(out, zip.value.fileName), zip.value.data);
    const folder = path.join(out, 'mlp-tfjs');
    expect(await dispatch(web.studio.handlers, 'models:export', { id: 'mlp', format: 'tfjs', path: folder }, { shell: 'cli' })).toMatchObject({ ok: true });

    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${web.server.url}#/models`);
    await expect.poll(() => page.getByTestId('model-row').count()).toBe(1);
    await page.getByTestId('import-open').click();
    const form = page.getByTestId('import-model-form');
    expect(await form.getByTestId('import-browse-folder').count()).toBe(0);
    await form.getByTestId('import-submit').click();
    expect(await form.getByTestId('import-problem').innerText()).toBe('Choose model.json and its weight files, or a .zip.');

    await form.getByTestId('import-files').setInputFiles(path.join(out, zip.value.fileName));
    await form.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 30_000 }).toBe(2);

    await page.getByTestId('import-open').click();
    await form.getByTestId('import-files').setInputFiles(['model.json', 'weights.bin', 'metadata.json'].map((n) => path.join(folder, n)));
    expect(await form.getByTestId('import-chosen').innerText()).toMatch(/^Chosen: 3 \([\d.]+ kB\)$/);
    await form.getByTestId('import-name').fill('From its folder');
    await form.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 30_000 }).toBe(3);
    const names = await page.getByTestId('model-row').allInnerTexts();
    expect(names.filter((n) => n.includes('Exported MLP'))).toHaveLength(2);
    expect(names.some((n) => n.includes('From its folder'))).toBe(true);
    expect(fs.readdirSync(web.home).filter((n) => n.startsWith('.upload.'))).toEqual([]);

    // The import form and Settings' read-only mirrors in both languages and themes, for a look.
    await page.getByTestId('import-open').click();
    await form.getByTestId('import-files').setInputFiles(path.join(out, zip.value.fileName));
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(language === 'en' ? 'Models' : '模型库');
        if (language === 'zh-CN') expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
        await shot(page, `models-import-upload-${language}-${theme}`);
      }
    }
    await page.getByTestId('nav-settings').click();
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await expect.poll(() => page.getByTestId('mirrors-read-only').count()).toBe(1);
        await shot(page, `settings-mirrors-web-${language}-${theme}`);
      }
    }
    expect(await page.locator('#mirror-url').count()).toBe(0);
    await page.getByTestId('nav-data').click();
    await page.getByTestId('to-import').click();
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await shot(page, `data-import-upload-${language}-${theme}`);
      }
    }
    await web.setSettings({ language: 'en', theme: 'light' });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
