/**
 * The Write screen in Chromium (web mode): a person writes the ten digits
 * with mouse strokes (one redone, one skipped), saves them as a personal
 * set, evaluates a trained model on it from the Evaluate screen, and the
 * Models table shows the figure; screenshots in both languages and themes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import type { Studio } from '../../src/main/studio';
import { presetSpec } from '../../src/shared/model-spec';
import type { ModelEntry } from '../../src/shared/models';
import type { Evaluation, RunRecord, TrainEvent } from '../../src/shared/training';
import { collectErrors, latinWordsOn, screenshot } from '../helpers/browser';
import { drawnDigit } from '../helpers/drawn-digits';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

const LATIN_ALLOWED = new Set([
  'MNIST',
  'Studio',
  'ID',
  'my',
  'hand',
  'My',
  'Enter',
  'Delete',
  'Backspace',
  'English',
  'digits',
  'mlp',
  'F1',
  'MLP',
  'kB',
  'zip',
  'IDX',
  'PNG',
  'Fashion',
  'MB',
  'gzip',
]);

let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  web = await startWebStudio(async (studio) => {
    const res = await dispatch(studio.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' });
    if (!res.ok) throw new Error(res.error.message);
  });
}, 60_000);

afterAll(async () => {
  await web?.close();
});

async function call<T>(studio: Studio, method: Parameters<typeof dispatch>[1], input: unknown): Promise<T> {
  const res = await dispatch(studio.handlers, method, input, { shell: 'cli' });
  if (!res.ok) throw new Error(`${String(method)}: ${res.error.message}`);
  return res.value as T;
}

async function trainModel(studio: Studio): Promise<RunRecord> {
  const ended = new Promise<string>((resolve, reject) => {
    const off = studio.events.on('train', (event: TrainEvent) => {
      if (event.kind === 'done') {
        off();
        resolve(event.runId);
      }
      if (event.kind === 'failed') reject(new Error(event.reason));
    });
  });
  await call(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 2, limit: 4000, seed: 5 } });
  return call<RunRecord>(studio, 'runs:get', { id: await ended });
}

/** Writes `digit` on the pad with the mouse: the strokes of a drawn digit, pad pixels mapped onto the canvas on screen. */
async function write(page: Page, pad: Locator, digit: number, seed: number): Promise<void> {
  const box = (await pad.boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + (x / 280) * box.width, box.y + (y / 280) * box.height];
  for (const stroke of drawnDigit(digit, seed)) {
    await page.mouse.move(...at(stroke[0]!, stroke[1]!));
    await page.mouse.down();
    for (let k = 2; k + 1 < stroke.length; k += 2) await page.mouse.move(...at(stroke[k]!, stroke[k + 1]!), { steps: 2 });
    await page.mouse.up();
  }
}

async function shots(page: Page, name: string, title: { en: string; 'zh-CN': string }): Promise<void> {
  for (const language of ['en', 'zh-CN'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await web.setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title[language]);
      if (language === 'zh-CN') expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
      await screenshot(page, `${name}-${language}-${theme}`);
    }
  }
  await web.setSettings({ language: 'en', theme: 'light' });
  await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title.en);
}

describe('the Write screen in Chromium (web mode)', () => {
  it('asks for each digit, takes mouse strokes (redo, skip), saves a personal set, and a model is evaluated on it', async () => {
    const { studio, home } = web;
    const record = await trainModel(studio);
    const modelId = record.modelId!;

    const page = await web.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 960 });
    const errors = collectErrors(page);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.goto(web.server.url);
    // Reached from the side bar, and by keyboard (Alt+7).
    await page.getByTestId('nav-write').waitFor();
    await page.keyboard.press('Alt+7');
    await expect.poll(() => page.url()).toMatch(/#\/write$/);
    await page.getByTestId('write-setup').waitFor();
    await shots(page, 'write-setup', { en: 'Write', 'zh-CN': '手写' });

    // One round: the ten digits once. The name gives the set's id.
    await page.getByTestId('write-rounds').fill('1');
    await expect.poll(() => page.locator('#write-rounds-hint').textContent()).toContain('10 drawings');
    await page.getByTestId('write-name').fill('My hand');
    await expect.poll(() => page.locator('#write-name-hint').textContent()).toContain('my-hand');
    await page.getByTestId('write-start').click();

    const pad = page.getByTestId('pad');
    const prompt = page.getByTestId('write-prompt');
    for (let i = 0; i < 10; i++) {
      await expect.poll(() => prompt.getAttribute('data-digit')).toBe(String(i));
      expect(await prompt.textContent()).toBe(`Write a ${i}`);
      expect(await page.getByTestId('write-progress-text').textContent()).toBe(`Drawing ${i + 1} of 10`);
      if (i === 0) {
        // Keep on a blank pad says to draw first; the prompt stays.
        await page.getByTestId('write-next').click();
        await page.getByTestId('write-blank').waitFor();
        expect(await prompt.getAttribute('data-digit')).toBe('0');
      }
      if (i === 5) {
        await page.getByTestId('write-skip').click();
        continue;
      }
      if (i === 3) {
        // A bad 3 (a 1) is redone.
        await write(page, pad, 1, 9);
        await page.getByTestId('write-redo').click();
      }
      await write(page, pad, i, 1 + i);
      if (i === 2) {
        await shots(page, 'write-writing', { en: 'Write', 'zh-CN': '手写' });
      }
      // Enter on the pad keeps the drawing, as the button does.
      if (i % 2 === 0) await page.getByTestId('write-next').click();
      else {
        await pad.focus();
        await page.keyboard.press('Enter');
      }
    }
    const review = page.getByTestId('write-review');
    await review.waitFor();
    expect(await review.locator('.thumb').count()).toBe(9);
    await page.getByTestId('write-save').click();
    const saved = page.getByTestId('write-saved');
    await saved.waitFor();
    expect(await saved.getAttribute('data-set')).toBe('my-hand');

    // The set on disk: nine drawings as strokes, their labels the digits asked for (5 skipped, the 3 as redone).
    const strokes = JSON.parse(fs.readFileSync(path.join(home, 'datasets', 'my-hand', 'strokes.json'), 'utf8')) as { samples: { label: number; strokes: number[][] }[] };
    expect(strokes.samples.map((s) => s.label)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
    // The 3's strokes are the 3's, not the redone 1's: it starts at the top-left of the 3's upper arc.
    expect(strokes.samples[3]!.strokes).toHaveLength(drawnDigit(3, 4).length);

    // Evaluate on it: the Evaluate screen scores the run's model on the personal set.
    await page.getByTestId('write-evaluate').click();
    await expect.poll(() => page.url()).toMatch(/#\/evaluate\?dataset=my-hand$/);
    await page.getByTestId('scored-on').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('dataset-picker').inputValue()).toBe('my-hand');
    expect(await page.getByTestId('class-mismatch').count()).toBe(0);
    const shown = (await page.getByTestId('test-accuracy').textContent())!;
    const models = await call<ModelEntry[]>(studio, 'models:list', {});
    const figure = models.find((m) => m.id === modelId)!.personalAccuracy;
    expect(figure).toHaveLength(1);
    expect(figure[0]).toMatchObject({ datasetId: 'my-hand', name: 'My hand', count: 9 });
    expect(shown).toBe(`${(figure[0]!.accuracy * 100).toFixed(1)}%`);
    console.log(`the mlp on 9 mouse-drawn digits: ${shown}`);
    // The same figure from the API's evaluation of the set.
    const again = await call<Evaluation>(studio, 'models:evaluate', { id: modelId, dataset: { id: 'my-hand' } });
    expect(again.accuracy).toBeCloseTo(figure[0]!.accuracy, 10);
    await shots(page, 'write-evaluate', { en: 'Evaluate', 'zh-CN': '评估' });

    // The Models table shows it in the "Your hand" column.
    await page.getByTestId('nav-models').click();
    const row = page.locator(`[data-testid="model-row"][data-model="${modelId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('model-hand').textContent()).toBe(shown);
    await shots(page, 'write-models', { en: 'Models', 'zh-CN': '模型库' });

    // The Data screen lists it as personal, with its samples.
    await page.getByTestId('nav-data').click();
    const card = page.locator('[data-testid="dataset-card"][data-dataset="my-hand"]');
    await card.waitFor();
    expect(await card.getByTestId('personal-badge').count()).toBe(1);
    await card.getByTestId('choose').click();
    await shots(page, 'write-data', { en: 'Data', 'zh-CN': '数据' });
    expect(errors).toEqual([]);
  }, 240_000);
});
