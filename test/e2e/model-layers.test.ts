/**
 * The layers the registry added, offered by the Model screen: added from
 * the editor's buttons, their settings and output shapes shown, in both
 * languages and both themes (screenshots of the editor with a batch-norm layer).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../helpers/browser';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

const SHOTS = '/tmp/shots/arch-native';
let web: WebStudio;

beforeAll(async () => {
  web = await startWebStudio();
});
afterAll(() => web?.close());

async function openModel(): Promise<{ page: Page; errors: string[] }> {
  const page = await web.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${web.server.url}#/model`);
  await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/web mode|网页模式/);
  return { page, errors };
}

describe('the Model screen offers the registry’s new layers', () => {
  it('adds batch normalization, average pooling and global average pooling to the cnn preset, in English and Chinese, light and dark', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const { page, errors } = await openModel();
    await page.getByTestId('preset-cnn').click();
    const names = {
      en: { batchNormalization: 'Batch norm', averagePooling2d: 'Average pooling', globalAveragePooling2d: 'Global average pooling', momentum: 'Momentum' },
      'zh-CN': { batchNormalization: '批归一化层', averagePooling2d: '平均池化层', globalAveragePooling2d: '全局平均池化层', momentum: '动量' },
    } as const;
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language: locale, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        for (const type of ['batchNormalization', 'averagePooling2d', 'globalAveragePooling2d'] as const) {
          await expect(page.getByTestId(`add-${type}`).textContent()).resolves.toContain(names[locale][type]);
        }
      }
    }
    await web.setSettings({ language: 'en', theme: 'light' });
    // A new layer goes just before the class scores: after cnn's dense 84 (index 7), on its 84 values.
    await page.getByTestId('add-batchNormalization').click();
    const row = page.getByTestId('layer-7');
    await expect.poll(() => row.getAttribute('data-type')).toBe('batchNormalization');
    await expect.poll(() => page.getByTestId('layer-7-output').textContent()).toMatch(/84/);
    await expect.poll(() => row.locator('[data-field="momentum"]').inputValue()).toBe('0.99');
    // 336 parameters: gamma, beta and the moving mean and variance of 84 channels.
    await expect.poll(() => page.getByTestId('layer-7-output').textContent()).toMatch(/336 params/);
    await page.getByTestId('add-globalAveragePooling2d').click();
    await expect.poll(() => page.getByTestId('layer-8-messages').textContent()).toMatch(/image-shaped input/);
    await page
      .getByTestId('layer-8')
      .getByRole('button', { name: /remove/i })
      .click();
    await expect.poll(() => page.getByTestId('layer-8').getAttribute('data-type')).toBe('dense');
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language: locale, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await expect.poll(() => row.textContent()).toContain(names[locale].momentum);
        await page.screenshot({ path: path.join(SHOTS, `${locale}-${theme}-model-batch-norm.png`), fullPage: true, animations: 'disabled' });
      }
    }
    expect(errors).toEqual([]);
  });
});
