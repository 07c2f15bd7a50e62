import fs from 'node:fs';
import path from 'node:path';
import type { Download, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import type { Studio } from '../../src/main/studio';
import { presetSpec } from '../../src/shared/model-spec';
import type { ModelDetails, ModelEntry, Prediction } from '../../src/shared/models';
import type { RunRecord, TrainEvent } from '../../src/shared/training';
import { collectErrors, drawn, latinWordsOn, screenshot } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { tmpDir } from '../helpers/tmp';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';
import { openOnnx } from '../helpers/onnx-runtime';

/** Latin words a Chinese Models or Playground screen may show: format and product names, the data set's name, digits' names. */
const LATIN_ALLOWED = new Set([
  'MNIST',
  'Studio',
  'digits',
  'TF',
  'js',
  'ONNX',
  'PNG',
  'JPEG',
  'English',
  'zip',
  'Delete',
  'Backspace',
  'MLP',
  'mnist',
  'studio',
  'reproduce',
  'model',
  'json',
  'weights',
  'bin',
  'tf',
  'loadLayersModel',
  'Runtime',
  'kB',
  // The Keras format (issue 16): its name, file extensions and how Keras loads it.
  'Keras',
  'keras',
  'h5',
  'saving',
  'load',
  'logits',
  'onnx',
  'PyTorch',
  // The run as code: the language, the script's extension and what it needs.
  'Python',
  'py',
  'torch',
  'numpy',
  'torchvision',
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

/** Starts a run of the mlp on the fixture through the API (as the Train screen does) and answers its id and how it ends. */
async function startRun(studio: Studio, hyperparams: Record<string, unknown>): Promise<{ runId: string; finished: Promise<RunRecord> }> {
  let resolveEnd!: (id: string) => void;
  let rejectEnd!: (err: Error) => void;
  const ended = new Promise<string>((resolve, reject) => {
    resolveEnd = resolve;
    rejectEnd = reject;
  });
  const off = studio.events.on('train', (event: TrainEvent) => {
    if (event.kind === 'done') resolveEnd(event.runId);
    if (event.kind === 'failed') rejectEnd(new Error(event.reason));
  });
  const { runId } = await call<{ runId: string }>(studio, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { logEvery: 5, ...hyperparams } });
  const finished = ended.then(async (id) => {
    off();
    return call<RunRecord>(studio, 'runs:get', { id });
  });
  return { runId, finished };
}

/** Draws a seven with the mouse on the pad: a bar across the top and a stroke down to the bottom left. */
async function drawSeven(page: Page, pad: Locator): Promise<void> {
  const box = (await pad.boundingBox())!;
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;
  await page.mouse.move(...at(0.3, 0.25));
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(...at(0.3 + 0.4 * (i / 8), 0.25));
  for (let i = 1; i <= 12; i++) await page.mouse.move(...at(0.7 - 0.25 * (i / 12), 0.25 + 0.55 * (i / 12)));
  await page.mouse.up();
}

const probabilities = (page: Page) => page.getByTestId('bar').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-probability'))));

async function saved(download: Promise<Download>): Promise<{ name: string; file: string }> {
  const d = await download;
  const file = path.join(tmpDir(), d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), file };
}

async function screenshotsIn4(page: Page, name: string, title: { en: string; 'zh-CN': string }, options: { keepScroll?: boolean; latinCheck?: boolean } = {}): Promise<void> {
  if (!options.keepScroll) await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
  for (const language of ['en', 'zh-CN'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await web.setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title[language]);
      if (language === 'zh-CN' && options.latinCheck !== false) expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
      await screenshot(page, `${name}-${language}-${theme}`);
    }
  }
  await web.setSettings({ language: 'en', theme: 'light' });
  await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title.en);
}

describe('the Models and Playground screens in Chromium (web mode)', () => {
  it('list a trained model; rename it, download it as a file that loads, draw a digit and get ten probabilities, follow a live run; in Chinese', async () => {
    const { studio } = web;
    const first = await startRun(studio, { epochs: 1, limit: 1200, seed: 4 });
    const record = await first.finished;
    expect(record.status).toBe('done');
    const modelId = record.modelId!;

    const page = await web.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 1000 });
    const errors = collectErrors(page);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.goto(web.server.url);
    await page.getByTestId('nav-models').click();
    const row = page.locator(`[data-testid="model-row"][data-model="${modelId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('model-name').textContent()).toBe('mlp · digits');
    expect(await row.getByTestId('model-accuracy').textContent()).toBe(`${(record.testAccuracy! * 100).toFixed(1)}%`);
    expect(await row.getByTestId('model-run').getAttribute('href')).toBe(`#/evaluate?run=${record.id}`);

    // Rename: an empty name is refused beside the field, Escape keeps the old one, Enter saves.
    await row.getByTestId('rename').click();
    const input = row.getByTestId('rename-input');
    await input.fill('   ');
    await input.press('Enter');
    expect(await row.getByTestId('rename-problem').textContent()).toContain('Enter a name.');
    await input.press('Escape');
    expect(await row.getByTestId('model-name').textContent()).toBe('mlp · digits');
    await row.getByTestId('rename').click();
    await row.getByTestId('rename-input').fill('手写数字一号');
    await row.getByTestId('rename-input').press('Enter');
    await expect.poll(() => row.getByTestId('model-name').textContent()).toBe('手写数字一号');
    expect((await call<ModelDetails>(studio, 'models:get', { id: modelId })).name).toBe('手写数字一号');

    // Export: the browser downloads a .zip of the TF.js files, which the library imports back and which predicts the same.
    await row.getByTestId('model-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.getByTestId('format-tfjs-zip').check();
    const zip = await saved(Promise.all([page.waitForEvent('download'), dialog.getByTestId('export-submit').click()]).then(([d]) => d));
    expect(zip.name).toMatch(/\.zip$/);
    const reimported = await call<ModelEntry>(studio, 'models:import', { path: zip.file, name: '从下载导回' });
    expect(reimported).toMatchObject({ params: record.params, source: 'imported' });
    // ONNX too: onnxruntime loads the downloaded file.
    await row.getByTestId('model-export').click();
    await dialog.getByTestId('format-onnx').check();
    const onnx = await saved(Promise.all([page.waitForEvent('download'), dialog.getByTestId('export-submit').click()]).then(([d]) => d));
    const session = await openOnnx(onnx.file);
    expect(session.outputNames).toEqual(['logits', 'probabilities']);
    // The run as a PyTorch script: a .py that builds this network.
    await row.getByTestId('model-export').click();
    await dialog.getByTestId('format-pytorch').check();
    const script = await saved(Promise.all([page.waitForEvent('download'), dialog.getByTestId('export-submit').click()]).then(([d]) => d));
    expect(script.name).toMatch(/-pytorch\.py$/);
    const code = fs.readFileSync(script.file, 'utf8');
    expect(code).toMatch(/^#!\/usr\/bin\/env python3\n/);
    expect(code).toContain('nn.Linear(784, 128)');
    await expect.poll(() => page.locator(`[data-testid="model-row"]`).count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.locator(`[data-testid="model-row"]`).count()).toBe(2);
    await screenshotsIn4(page, 'models', { en: 'Models', 'zh-CN': '模型库' });
    await row.getByTestId('model-export').click();
    await dialog.getByTestId('format-pytorch').check();
    await screenshotsIn4(page, 'models-export', { en: 'Models', 'zh-CN': '模型库' });
    await dialog.getByTestId('export-cancel').click();

    // The run's page offers both scripts.
    await page.goto(`${web.server.url}#/runs/${record.id}`);
    const keras = await saved(Promise.all([page.waitForEvent('download'), page.getByTestId('detail-code-keras-code').click()]).then(([d]) => d));
    expect(keras.name).toMatch(/-keras\.py$/);
    expect(fs.readFileSync(keras.file, 'utf8')).toContain('keras.layers.Dense(units=128');
    await page.getByTestId('detail-code').scrollIntoViewIfNeeded();
    // (A run's page shows the machine and the network in their own names: the Latin check is the Models screen's.)
    await screenshotsIn4(page, 'run-code', { en: 'Runs', 'zh-CN': '训练记录' }, { keepScroll: true, latinCheck: false });
    await page.getByTestId('nav-models').click();

    // Try it in the Playground: the route names the model; a mouse-drawn seven gets ten probabilities summing to 1.
    await row.getByTestId('model-try').click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/playground\\?model=${modelId}$`));
    // The picker fills once the model list has arrived over the socket.
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).toBe(`saved:${modelId}`);
    await page.getByTestId('waiting').waitFor();
    const pad = page.getByTestId('pad');
    await drawSeven(page, pad);
    // The first answer starts the library's worker process (TensorFlow loads once).
    await expect.poll(() => page.getByTestId('bar').count(), { timeout: 60_000 }).toBe(10);
    await expect.poll(async () => (await probabilities(page)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await expect.poll(() => drawn(page.getByTestId('seen').locator('canvas'))).toBe(true);
    // The same answer as the engine gives for the same pixels.
    const pixels = await pad.evaluate((el) => {
      const c = el as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      return Array.from(c.getContext('2d').getImageData(0, 0, 280, 280).data);
    });
    const direct = await call<Prediction>(studio, 'models:predict', { id: modelId, image: { pixels: { width: 280, height: 280, channels: 4, data: Uint8Array.from(pixels) } } });
    await expect.poll(() => probabilities(page)).toEqual(direct.probabilities);
    const top = await page.getByTestId('top').textContent();
    expect(top).toContain(`It looks like ${direct.classNames[direct.predicted]}`);
    console.log(`a mouse-drawn seven: ${top}`);
    await screenshotsIn4(page, 'playground', { en: 'Playground', 'zh-CN': '试一试' });

    // Delete or Backspace on the pad clears it, and the answer with it.
    await pad.focus();
    await page.keyboard.press('Delete');
    await page.getByTestId('waiting').waitFor();
    expect(await drawn(pad)).toBe(false);

    // During a run the model in training is a choice; the drawing is scored again after each epoch.
    await drawSeven(page, pad);
    await expect.poll(() => page.getByTestId('bar').count()).toBe(10);
    // Many epochs, so the run is still training when the page picks it, however fast the engine; the test stops it.
    const live = await startRun(studio, { epochs: 500, limit: 2400, seed: 9 });
    await page.getByTestId('live-option').waitFor({ state: 'attached' });
    await page.getByTestId('model-picker').selectOption('live');
    await expect.poll(() => page.getByTestId('scored-epoch').textContent(), { timeout: 60_000 }).toMatch(/after epoch \d+$/);
    const scoredLive = await probabilities(page);
    expect(scoredLive.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await screenshot(page, 'playground-live-en-light');
    await call(studio, 'train:stop', { runId: live.runId });
    const liveRecord = await live.finished;
    expect(liveRecord.status).toBe('stopped');
    // The run's saved model takes over.
    await expect.poll(() => page.getByTestId('model-picker').inputValue(), { timeout: 15_000 }).toBe(`saved:${liveRecord.modelId}`);

    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('says a refused rename and a failed delete in the user’s words, and offers a way to Train on an empty library', async () => {
    const { studio } = web;
    const page = await web.browser.newPage();
    const errors = collectErrors(page);
    await web.setSettings({ language: 'zh-CN', theme: 'dark' });
    await page.goto(`${web.server.url}#/models`);
    const rows = page.getByTestId('model-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-model')!));
    // Deleted elsewhere first: the delete here is told it is gone, in Chinese, and the list catches up.
    const gone = ids[0]!;
    await call(studio, 'models:delete', { id: gone });
    const row = page.locator(`[data-testid="model-row"][data-model="${gone}"]`);
    await row.getByTestId('model-delete').click();
    await page.getByTestId('delete-confirm').click();
    const callout = page.getByTestId('error');
    await callout.waitFor();
    expect(await callout.getAttribute('data-code')).toBe('NOT_FOUND');
    expect(await callout.textContent()).toContain('无法删除模型');
    await expect.poll(() => row.count()).toBe(0);
    for (const id of ids.slice(1)) {
      const other = page.locator(`[data-testid="model-row"][data-model="${id}"]`);
      await other.getByTestId('model-delete').click();
      await page.getByTestId('delete-confirm').click();
      await expect.poll(() => other.count()).toBe(0);
    }
    await page.getByTestId('no-models').waitFor();
    expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
    await screenshot(page, 'models-zh-CN-dark-empty');
    await page.getByTestId('nav-playground').click();
    await page.getByTestId('no-playground-model').waitFor();
    await screenshot(page, 'playground-zh-CN-dark-empty');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    await web.setSettings({ language: 'en', theme: 'light' });
    await page.close();
  }, 120_000);
});
