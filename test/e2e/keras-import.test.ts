/**
 * Issue 16 in the browser: a Keras .keras file picked on the Models
 * screen's import form is uploaded and imported, its normalisation taken
 * from its Rescaling and Normalization layers; a .weights.h5 alone is
 * refused with what to do instead. Screenshots of the form in both
 * languages and themes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, latinWordsOn, screenshot } from '../helpers/browser';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';
import { extractFlatZip } from '../../src/main/models/zip';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'keras');
/** Latin words the Chinese import form may show: format names and file extensions. */
const LATIN_ALLOWED = new Set([
  'MNIST',
  'Studio',
  'English',
  'kB',
  'TF',
  'js',
  'layers',
  'model',
  'json',
  'zip',
  'Keras',
  'keras',
  'h5',
  'cnn',
  'conv',
  'relu',
  'same',
  'maxpool',
  'flatten',
  'dropout',
  'dense',
  'LeNet',
  'from',
  'onnx',
  'ONNX',
  'PyTorch',
]);

let web: WebStudio;

beforeAll(async () => {
  web = await startWebStudio();
}, 60_000);

afterAll(async () => {
  await web?.close();
});

/** The four shots; `engineText`: the screen shows an engine error, which is English in every language (the check of untranslated words is left out). */
async function shotsIn4(page: Page, name: string, engineText = false): Promise<void> {
  for (const language of ['en', 'zh-CN'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await web.setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(language === 'en' ? 'Models' : '模型库');
      if (language === 'zh-CN' && !engineText) expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
      await screenshot(page, `${name}-${language}-${theme}`);
    }
  }
  await web.setSettings({ language: 'en', theme: 'light' });
}

describe('Keras import in Chromium (web mode)', () => {
  it('uploads a .keras file and imports it with its normalisation; refuses a .weights.h5 alone, saying what to save instead', async () => {
    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${web.server.url}#/models`);
    await page.getByTestId('import-open').click();
    const form = page.getByTestId('import-model-form');
    expect(await form.locator('input[type="file"]').getAttribute('accept')).toContain('.keras');

    // The weights of a .keras on their own: refused, naming the file and what to do.
    const unpacked = tmpDir();
    await extractFlatZip(path.join(FIXTURES, 'cnn.keras'), unpacked, { maxEntries: 10, maxEntryBytes: 1e7, maxTotalBytes: 1e7 });
    const weightsOnly = path.join(unpacked, 'cnn.weights.h5');
    fs.renameSync(path.join(unpacked, 'model.weights.h5'), weightsOnly);
    await form.getByTestId('import-files').setInputFiles(weightsOnly);
    await form.getByTestId('import-submit').click();
    const callout = form.locator('[role="alert"]').last();
    await expect.poll(() => callout.textContent(), { timeout: 30_000 }).toMatch(/cnn\.weights\.h5: holds weights only .*model\.save\("model\.keras"\)/);
    await shotsIn4(page, 'models-import-keras-refused', true);

    await form.getByTestId('import-files').setInputFiles(path.join(FIXTURES, 'cnn.keras'));
    await form.getByTestId('import-name').fill('LeNet from Keras');
    await form.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('model-row').innerText()).toContain('LeNet from Keras');
    const models = fs.readdirSync(path.join(web.home, 'models'));
    expect(models).toHaveLength(1);
    const metadata = JSON.parse(fs.readFileSync(path.join(web.home, 'models', models[0]!, 'metadata.json'), 'utf8')) as {
      normalization: { mean: number; std: number };
      importedFrom: string;
    };
    expect(metadata.normalization.mean).toBeCloseTo(0.1307, 9);
    expect(metadata.normalization.std).toBeCloseTo(0.3081, 9);
    expect(metadata.importedFrom).toBe('cnn.keras');
    expect(fs.readdirSync(web.home).filter((n) => n.startsWith('.upload.'))).toEqual([]);

    await page.getByTestId('import-open').click();
    await form.getByTestId('import-files').setInputFiles(path.join(FIXTURES, 'mlp.keras'));
    await shotsIn4(page, 'models-import-keras');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
