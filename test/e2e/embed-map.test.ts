import AxeBuilder from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import type { TrainEvent } from '../../src/shared/training';
import { collectErrors, latinWordsOn, SCREENSHOTS, screenshotScreen, transitionsDone } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/** Latin words the Chinese map may show: the method names, the data set's and the model's names, the product name and the language menu's English. */
const LATIN_ALLOWED = new Set(['PCA', 'UMAP', 'digits', 'mlp', 'MNIST', 'Studio', 'English']);

let web: WebStudio;
let modelId = '';
let runId = '';

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(
    async (studio) => {
      const imported = await dispatch(studio.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' });
      if (!imported.ok) throw new Error(imported.error.message);
      const done = new Promise<Extract<TrainEvent, { kind: 'done' }>>((resolve, reject) => {
        const off = studio.events.on('train', (e) => {
          if (e.kind === 'done') {
            off();
            resolve(e);
          }
          if (e.kind === 'failed') reject(new Error(e.reason));
        });
      });
      const started = await dispatch(
        studio.handlers,
        'train:start',
        { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 2, limit: 6000, seed: 1 } },
        { shell: 'cli' },
      );
      if (!started.ok) throw new Error(started.error.message);
      const end = await done;
      modelId = end.modelId!;
      runId = end.runId;
    },
    { bypassCSP: true },
  );
}, 180_000);

afterAll(async () => {
  await web?.close();
});

describe('the embedding map screen', () => {
  it(
    'draws the test set from the Models table, shows a digit on hover, opens it pre-filled in the Playground; both languages and themes; axe-core',
    { timeout: 300_000 },
    async () => {
      const page = await web.browser.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      const errors = collectErrors(page);
      await web.setSettings({ language: 'en', theme: 'light' });
      await page.goto(`${web.server.url}#/models`);
      await page.getByTestId('model-map').first().click();
      await expect.poll(() => page.url()).toContain(`#/models/${modelId}/map`);
      await page.getByTestId('map-summary').waitFor({ timeout: 120_000 });
      expect(await page.getByTestId('map-summary').textContent()).toMatch(/^2,000 test images of digits: \d+\.\d\d% right, \d+ wrong \(ringed\)\.$/);
      expect(await page.getByTestId('map-layer').textContent()).toMatch(/^Layer 3, 64 values per image\. The two axes hold [\d.]+% and [\d.]+% of its variance\./);

      // Hover: find a drawn point by scanning the canvas until the tooltip appears.
      const canvas = page.getByTestId('map-canvas');
      const box = (await canvas.boundingBox())!;
      let hit = false;
      for (let y = 20; y < box.height - 20 && !hit; y += 6) {
        for (let x = 20; x < box.width - 20 && !hit; x += 6) {
          await page.mouse.move(box.x + x, box.y + y);
          hit = await page.getByTestId('map-tip').isVisible();
        }
      }
      expect(hit).toBe(true);
      await expect.poll(() => page.getByTestId('map-tip').locator('canvas').count()).toBe(1);
      expect(await page.getByTestId('map-tip').textContent()).toMatch(/True class: \d.*Model says: \d/);

      for (const language of ['en', 'zh-CN'] as const) {
        for (const theme of ['light', 'dark'] as const) {
          await web.setSettings({ language, theme });
          await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
          await expect.poll(() => page.getByTestId('map-summary').textContent()).toMatch(language === 'en' ? /test images/ : /测试图像/);
          if (language === 'zh-CN') expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
          await transitionsDone(page);
          const results = await new AxeBuilder({ page }).analyze();
          expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`)).toEqual([]);
          await screenshotScreen(page, `embed-map-${language}-${theme}`);
        }
      }
      await web.setSettings({ language: 'en', theme: 'light' });

      // UMAP, then click a point and open it in the Playground: the pad holds the digit and the model answers.
      await page.getByTestId('map-method').selectOption('umap');
      await page.getByTestId('map-limit').selectOption('500');
      await expect.poll(() => page.getByTestId('map-layer').textContent(), { timeout: 120_000 }).toMatch(/UMAP seed 42/);
      await page.getByTestId('map-canvas').focus();
      await page.keyboard.press('ArrowRight');
      await page.getByTestId('map-to-playground').waitFor();
      expect(await page.getByTestId('map-picked').textContent()).toContain('Test image #0');
      await expect.poll(() => page.getByTestId('map-to-evaluate').getAttribute('href')).toBe(`#/evaluate?run=${runId}`);
      await page.getByTestId('map-to-playground').click();
      await expect.poll(() => page.url()).toContain(`#/playground?model=${modelId}&dataset=digits&index=0`);
      await page.getByTestId('top').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('top').textContent()).toMatch(/\d/);
      await screenshotScreen(page, 'embed-map-playground');
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});

describe('the run detail view’s histograms', () => {
  it('shows the weights and gradients of each epoch as offset ridges; both languages and themes; axe-core', { timeout: 200_000 }, async () => {
    const page = await web.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const errors = collectErrors(page);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.goto(`${web.server.url}#/runs/${runId}`);
    const panel = page.getByTestId('histograms');
    await panel.getByTestId('histograms-canvas').waitFor();
    expect(await panel.getByTestId('histograms-series').locator('option').count()).toBe(6);
    expect(await panel.getByTestId('histograms-canvas').getAttribute('aria-label')).toMatch(/^Histograms of \S+\/kernel over 3 epochs; at the last, from -?[\d.e-]+ to [\d.e-]+$/);
    await panel.getByTestId('histograms-kind').selectOption('gradients');
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await web.setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await expect.poll(() => panel.locator('.panel-title').textContent()).toBe(language === 'en' ? 'Weights and gradients over time' : '权重与梯度随训练的变化');
        const results = await new AxeBuilder({ page }).include('[data-testid="histograms"]').analyze();
        expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
        await panel.screenshot({ path: `${SCREENSHOTS}/run-histograms-${language}-${theme}.png`, animations: 'disabled' });
      }
    }
    await web.setSettings({ language: 'en', theme: 'light' });
    expect(errors).toEqual([]);
    await page.close();
  });
});
