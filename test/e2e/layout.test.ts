import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import type { TrainEvent } from '../../src/shared/training';
import { collectErrors, screenshot } from '../helpers/browser';
import { FASHION_MNIST_DIR } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/**
 * Issue 15, item 8: what a newcomer saw out of place on a Fashion-MNIST model,
 * measured in the real layout: probability bars that started at different
 * places, Chinese confusion-matrix headers one character a line, and a
 * Chinese "It looks like" that named the class in English.
 */
let web: WebStudio;
let runId = '';

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(async (studio) => {
    await studio.handlers['datasets:import']({ paths: [FASHION_MNIST_DIR] }, { shell: 'cli' });
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
      { dataset: { id: 'fashion-mnist' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 1500, seed: 5 } },
      { shell: 'cli' },
    );
    expect(started).toMatchObject({ ok: true });
    runId = await done;
  });
}, 120_000);

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

describe('layout on a Fashion-MNIST model (Chromium, web mode)', () => {
  it('the probability bars all start at one place, and the answer names the class in the screen’s language', { timeout: 60_000 }, async () => {
    for (const [language, theme] of [
      ['en', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      const { page, errors } = await open('#/playground', language, theme);
      await drawSeven(page);
      await expect.poll(() => page.getByTestId('bar').count(), { timeout: 20_000 }).toBe(10);
      const starts = await page.locator('[data-testid="bar"] .track').evaluateAll((tracks) => tracks.map((t) => Math.round(t.getBoundingClientRect().left)));
      expect(new Set(starts).size, `track starts: ${starts.join(', ')}`).toBe(1);
      const top = (await page.getByTestId('top').textContent()) ?? '';
      const names = await page.locator('[data-testid="bar"] .name').allTextContents();
      // The answer's class is one of the bars' names, in the same language.
      expect(
        names.some((name) => top.includes(name)),
        `"${top}" against ${names.join(', ')}`,
      ).toBe(true);
      if (language === 'zh-CN') expect(top).not.toMatch(/[A-Za-z]{3,}/);
      await screenshot(page, `layout-${language}-${theme}-playground-fashion`);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('the Chinese confusion-matrix headers lie flat, at most two lines, inside their column', { timeout: 60_000 }, async () => {
    for (const theme of ['light', 'dark'] as const) {
      const { page, errors } = await open(`#/evaluate?run=${runId}`, 'zh-CN', theme);
      const heads = page.locator('[data-testid="confusion-matrix"] .col-head span');
      await expect.poll(() => heads.count(), { timeout: 20_000 }).toBe(10);
      // Strings, as elsewhere in these tests: the node side has no DOM types.
      const boxes = await page.evaluate<
        { text: string; mode: string; lines: number; width: number; column: number }[]
      >(`[...document.querySelectorAll('[data-testid="confusion-matrix"] .col-head span')].map((span) => {
        const style = getComputedStyle(span);
        const cell = span.parentElement.getBoundingClientRect();
        const box = span.getBoundingClientRect();
        return { text: span.textContent, mode: style.writingMode, lines: Math.round(box.height / parseFloat(style.lineHeight)), width: box.width, column: cell.width };
      })`);
      for (const b of boxes) {
        expect(b.mode, b.text).toBe('horizontal-tb');
        expect(b.lines, b.text).toBeLessThanOrEqual(2);
        expect(b.width, b.text).toBeLessThanOrEqual(b.column);
      }
      await screenshot(page, `layout-zh-CN-${theme}-evaluate-fashion`);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('the Train screen’s data-set select shows the whole name; the counts are beneath it', { timeout: 60_000 }, async () => {
    const { page, errors } = await open('#/train', 'en', 'light');
    const select = page.getByTestId('dataset');
    await expect.poll(() => select.inputValue()).toBe('fashion-mnist');
    // The selected option's text, in the select's own font, fits inside the select (less its padding and arrow).
    const fits = await page.evaluate<{ text: string; needed: number; room: number }>(`(() => {
      const s = document.querySelector('[data-testid="dataset"]');
      const style = getComputedStyle(s);
      const context = document.createElement('canvas').getContext('2d');
      context.font = style.fontWeight + ' ' + style.fontSize + ' ' + style.fontFamily;
      const text = s.options[s.selectedIndex].text;
      return { text, needed: context.measureText(text).width, room: s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16 };
    })()`);
    expect(fits.needed, JSON.stringify(fits)).toBeLessThanOrEqual(fits.room);
    expect(await page.getByTestId('dataset-counts').textContent()).toMatch(/60,000 training images; 10,000 test images/);
    await screenshot(page, 'layout-en-light-train-dataset');
    expect(errors).toEqual([]);
    await page.close();
  });
});
