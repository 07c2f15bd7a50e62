import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import type { TrainEvent } from '../../src/shared/training';
import { collectErrors, screenshotScreen, transitionsDone } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/**
 * Issue 18: the Playground's "Inside the network" card (each layer's output
 * for the drawing, the saliency of any class) and the first layer on the
 * Models screen, in Chromium, both languages and themes, with axe-core.
 */
let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(
    async (studio) => {
      await studio.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' });
      const dataset = (await studio.handlers['datasets:list']({}, { shell: 'cli' })).find((d) => d.status === 'ready')!;
      const done = new Promise<string>((resolve, reject) => {
        const off = studio.events.on('train', (event: TrainEvent) => {
          if (event.kind === 'done') resolve(event.runId);
          if (event.kind === 'failed') reject(new Error(event.reason));
          if (event.kind === 'done' || event.kind === 'failed') off();
        });
      });
      const started = await dispatch(
        studio.handlers,
        'train:start',
        { dataset: { id: dataset.id }, model: presetSpec('cnn'), hyperparams: { epochs: 1, limit: 3000, seed: 5 } },
        { shell: 'cli' },
      );
      expect(started).toMatchObject({ ok: true });
      await done;
    },
    { bypassCSP: true },
  );
}, 240_000);

afterAll(async () => {
  await web?.close();
});

async function open(route: string, language: 'en' | 'zh-CN', theme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
  await web.setSettings({ language, theme });
  const page = await web.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(web.server.url + route);
  return { page, errors };
}

/** Draws a 7 on the Playground's pad with the mouse. */
async function drawSeven(page: Page): Promise<void> {
  const pad = page.getByTestId('pad');
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.25);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.25, { steps: 10 });
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 10 });
  await page.mouse.up();
}

const seriousViolations = async (page: Page, include: string): Promise<string[]> => {
  await transitionsDone(page);
  const results = await new AxeBuilder({ page }).include(include).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
};

describe('inside the network (Chromium, web mode)', () => {
  for (const [language, theme] of [
    ['en', 'light'],
    ['en', 'dark'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const) {
    it(
      `Playground: the card shows every layer for the drawing and the saliency of any class; axe-core finds nothing serious (${language}, ${theme})`,
      { timeout: 90_000 },
      async () => {
        const { page, errors } = await open('#/playground', language, theme);
        await page.getByTestId('inside-toggle').click();
        await drawSeven(page);
        // conv, pool, conv, pool, flatten, dense ×3
        await expect.poll(() => page.getByTestId('inside-layer').count(), { timeout: 20_000 }).toBe(8);
        const predicted = ((await page.getByTestId('saliency-question').textContent()) ?? '').match(/\d/)?.[0];
        expect(predicted).toBeDefined();
        const other = predicted === '9' ? '4' : '9';
        await page.getByTestId('saliency-class').locator(`[data-value="${other}"]`).click();
        await expect
          .poll(() => page.getByTestId('saliency-question').textContent(), { timeout: 20_000 })
          .toContain(language === 'en' ? `Why not ${other}?` : `为什么不是 ${other}？`);
        await page.getByTestId('saliency-method').locator('[data-value="gradient"]').click();
        await screenshotScreen(page, `inside-${language}-${theme}-playground`);
        expect(await seriousViolations(page, '[data-testid="inside-card"]')).toEqual([]);
        expect(errors).toEqual([]);
        await page.close();
      },
    );
  }

  for (const [language, theme] of [
    ['en', 'light'],
    ['zh-CN', 'dark'],
  ] as const) {
    it(`Models: the first convolution's filters (${language}, ${theme})`, { timeout: 60_000 }, async () => {
      const { page, errors } = await open('#/models', language, theme);
      await page.getByTestId('first-layer').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('first-layer').textContent()).toMatch(
        language === 'en' ? /6 of 6 filters of the first convolution, 5×5 each/ : /第一个卷积层 6 个卷积核中的 6 个/,
      );
      await screenshotScreen(page, `inside-${language}-${theme}-models`);
      expect(await seriousViolations(page, '[data-testid="first-layer-panel"]')).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('Train: the first layer is redrawn after every epoch of a run (en light, zh-CN dark)', { timeout: 180_000 }, async () => {
    const dataset = (await web.studio.handlers['datasets:list']({}, { shell: 'cli' })).find((d) => d.status === 'ready')!;
    for (const [language, theme] of [
      ['en', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      const { page, errors } = await open('#/train', language, theme);
      await page.locator('[data-screen]').waitFor();
      const started = await dispatch(
        web.studio.handlers,
        'train:start',
        { dataset: { id: dataset.id }, model: presetSpec('mlp'), hyperparams: { epochs: 3, limit: 2000, seed: 6 } },
        { shell: 'cli' },
      );
      expect(started).toMatchObject({ ok: true });
      await expect.poll(() => page.getByTestId('live-first-layer-epoch').textContent(), { timeout: 120_000 }).toMatch(/3/);
      expect(await page.getByTestId('first-layer').textContent()).toMatch(language === 'en' ? /32 of 128 units of the first dense layer/ : /128 个单元中 32 个/);
      await expect.poll(async () => (await web.studio.handlers['train:status']({}, { shell: 'cli' })).state, { timeout: 60_000 }).toBe('idle');
      await screenshotScreen(page, `inside-${language}-${theme}-train`);
      expect(await seriousViolations(page, '[data-testid="live-first-layer"]')).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
  });
  it('Playground: the card looks inside the model in training and again after every epoch (each language and each theme)', { timeout: 240_000 }, async () => {
    const dataset = (await web.studio.handlers['datasets:list']({}, { shell: 'cli' })).find((d) => d.status === 'ready')!;
    const started = await dispatch(
      web.studio.handlers,
      'train:start',
      { dataset: { id: dataset.id }, model: presetSpec('mlp'), hyperparams: { epochs: 1000, limit: 6000, seed: 8 } },
      { shell: 'cli' },
    );
    if (!started.ok) throw new Error(started.error.message);
    const { runId } = started.value as { runId: string };
    const epochOf = async (page: Page) => Number(((await page.getByTestId('inside-live').textContent()) ?? '').match(/\d+/)?.[0] ?? 0);
    try {
      for (const [language, theme] of [
        ['en', 'light'],
        ['zh-CN', 'dark'],
      ] as const) {
        const { page, errors } = await open('#/playground', language, theme);
        await page.getByTestId('live-option').waitFor({ state: 'attached', timeout: 60_000 });
        await page.getByTestId('model-picker').selectOption('live');
        await page.getByTestId('inside-toggle').click();
        await drawSeven(page);
        // flatten, dense ×3
        await expect.poll(() => page.getByTestId('inside-layer').count(), { timeout: 20_000 }).toBe(4);
        await expect.poll(() => page.getByTestId('inside-live').textContent(), { timeout: 20_000 }).toMatch(language === 'en' ? /after epoch \d+/ : /第 \d+ 轮/);
        // Worked out again with the weights of a later epoch, without touching the drawing.
        const first = await epochOf(page);
        await expect.poll(() => epochOf(page), { timeout: 60_000 }).toBeGreaterThan(first);
        await screenshotScreen(page, `inside-${language}-${theme}-playground-live`);
        expect(await seriousViolations(page, '[data-testid="inside-card"]')).toEqual([]);
        expect(errors).toEqual([]);
        await page.close();
      }
    } finally {
      await dispatch(web.studio.handlers, 'train:stop', { runId }, { shell: 'cli' });
      await expect.poll(async () => (await web.studio.handlers['train:status']({}, { shell: 'cli' })).state, { timeout: 60_000 }).toBe('idle');
    }
  });
});
