import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import type { ModelEntry } from '../../src/shared/models';
import { collectErrors, screenshot } from '../helpers/browser';
import { ONNX_FIXTURES, torchRecord, writeTorchSplit } from '../helpers/onnx-fixtures';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

const record = torchRecord();
let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(async (studio) => {
    // The fixture script's test images installed as "mnist": the engine scores each normalisation on it.
    writeTorchSplit(path.join(studio.home, 'datasets', 'mnist'), record.split.testEvery);
  });
}, 60_000);

afterAll(() => web?.close());

describe('Models screen: an .onnx without normalisation asks for it (issue 16)', () => {
  it('uploads the PyTorch LeNet, shows the three choices + custom with their accuracies, imports with mnist', { timeout: 180_000 }, async () => {
    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${web.server.url}#/models`);
    await page.getByTestId('import-open').click();
    await page.locator('#import-model-files').setInputFiles(path.join(ONNX_FIXTURES, record.models.lenet!.files.torchscript));
    await page.getByTestId('import-submit').click();
    const ask = page.getByTestId('import-normalisation');
    await ask.waitFor({ timeout: 120_000 });
    for (const n of ['mnist', 'unit', 'raw']) await expect.poll(() => page.getByTestId(`import-norm-score-${n}`).textContent()).toMatch(/\d+\.\d+ %/);
    expect(await page.getByTestId('import-norm-score-mnist').textContent()).toContain((record.models.lenet!.accuracy * 100).toFixed(2));
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await ask.scrollIntoViewIfNeeded();
        await screenshot(page, `models-import-normalisation-${language}-${theme}`);
      }
    }
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.getByTestId('import-norm-mnist').check();
    // The upload went with the refusal: the form sends the files again with the choice.
    await page.getByTestId('import-norm-submit').click();
    const listed = async () => {
      const res = await dispatch(web.studio.handlers, 'models:list', {}, { shell: 'cli' });
      return res.ok ? (res.value as ModelEntry[]).map((m) => m.name) : [];
    };
    await expect.poll(listed, { timeout: 120_000 }).toEqual(['lenet-torchscript']);
    expect(errors).toEqual([]);
  });
});
