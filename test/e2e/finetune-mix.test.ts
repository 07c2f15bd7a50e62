import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import type { Settings } from '../../src/shared/settings';
import type { RunSummary, TrainEvent } from '../../src/shared/training';
import { collectErrors, screenshotScreen } from '../helpers/browser';
import { drawnDigit } from '../helpers/drawn-digits';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/**
 * Fine-tuning on your own digits in Chromium through web mode: from a saved
 * model, the Train screen's "Your own digits" card mixes a personal set in,
 * the run trains for real, and its result (here and on the run's page)
 * shows the held-out and test accuracy, before → after; both languages and
 * themes, screenshots kept.
 */

let web: WebStudio;
let modelId = '';

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(async (studio) => {
    const cli = { shell: 'cli' } as const;
    const imported = await dispatch(studio.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, cli);
    if (!imported.ok) throw new Error(imported.error.message);
    const saved = await dispatch(
      studio.handlers,
      'datasets:savePersonal',
      { id: 'my-hand', name: 'My hand', samples: [1, 2, 3, 4].flatMap((seed) => Array.from({ length: 10 }, (_, d) => ({ label: d, strokes: drawnDigit(d, seed) }))) },
      cli,
    );
    if (!saved.ok) throw new Error(saved.error.message);
    const done = new Promise<Extract<TrainEvent, { kind: 'done' }>>((resolve, reject) => {
      const off = studio.events.on('train', (e) => {
        if (e.kind === 'done') {
          off();
          resolve(e);
        }
        if (e.kind === 'failed') reject(new Error(e.reason));
      });
    });
    const started = await dispatch(studio.handlers, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 3000, seed: 1 } }, cli);
    if (!started.ok) throw new Error(started.error.message);
    modelId = (await done).modelId;
  });
}, 180_000);

afterAll(() => web?.close());

async function show(page: Page, language: 'en' | 'zh-CN', theme: 'light' | 'dark'): Promise<void> {
  await web.setSettings({ language, theme } satisfies Partial<Settings>);
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(language);
}

describe('Train screen: mixing your own digits in', () => {
  it('fine-tunes a saved model on the digits mixed with a personal set and shows both accuracies, before and after', { timeout: 240_000 }, async () => {
    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${web.server.url}#/train?fromModel=${modelId}`);
    await page.getByTestId('finetune-name').waitFor();
    await show(page, 'en', 'light');
    await page.getByTestId('mix-on').check();
    await expect.poll(() => page.getByTestId('mix-dataset').inputValue()).toBe('my-hand');
    await page.getByTestId('mix-share').fill('0.3');
    await page.getByTestId('mix-holdout').fill('0.25');
    await expect.poll(() => page.getByTestId('mix-per-batch').textContent()).toBe('19 of every 64 images in a batch come from it.');
    await expect.poll(() => page.getByTestId('mix-held-out').textContent()).toBe('About 10 of its 40 digits are held out.');
    await page.getByTestId('hp-epochs').fill('1');
    await page.getByTestId('hp-limit').fill('3000');
    await screenshotScreen(page, 'train-mix-setup-en-light');

    await page.getByTestId('start').click();
    await page.getByTestId('mix-trade-off').waitFor({ timeout: 180_000 });
    await expect.poll(() => page.getByTestId('mix-hand').textContent()).toMatch(/Your hand: My hand.*held out, 10 digits never trained on.*%\s*→\s*[\d.]+%/);
    await expect.poll(() => page.getByTestId('mix-test').textContent()).toMatch(/Test set: digits.*%\s*→\s*[\d.]+%/);
    await screenshotScreen(page, 'train-mix-result-en-light');
    await show(page, 'zh-CN', 'dark');
    await expect.poll(() => page.getByTestId('train-mix').textContent()).toContain('你自己的数字');
    await expect.poll(() => page.getByTestId('mix-hand').textContent()).toContain('你的笔迹');
    await screenshotScreen(page, 'train-mix-result-zh-dark');

    const runs = await dispatch(web.studio.handlers, 'runs:list', {}, { shell: 'cli' });
    const run = (runs.ok ? (runs.value as RunSummary[]) : []).find((r) => r.parentModelId === modelId)!;
    expect(run.hyperparams.mix).toEqual({ dataset: 'my-hand', share: 0.3, holdout: 0.25 });
    await page.goto(`${web.server.url}#/runs/${run.id}`);
    await page.getByTestId('detail-mix').waitFor();
    await expect.poll(() => page.getByTestId('detail-mix').textContent()).toContain('你的笔迹');
    await screenshotScreen(page, 'run-detail-mix-zh-dark');
    await show(page, 'en', 'dark');
    await expect.poll(() => page.getByTestId('detail-mix-settings').textContent()).toMatch(/Mixed in\s*My hand\s*30% of each batch, 25% held out/);
    await screenshotScreen(page, 'run-detail-mix-en-dark');
    await show(page, 'zh-CN', 'light');
    await page.goto(`${web.server.url}#/train?fromModel=${modelId}`);
    await page.getByTestId('mix-summary').waitFor();
    await screenshotScreen(page, 'train-mix-setup-zh-light');
    expect(errors).toEqual([]);
  });
});
