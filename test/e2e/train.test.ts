import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetSpec } from '../../src/shared/model-spec';
import type { Settings } from '../../src/shared/settings';
import { collectErrors, screenshotScreen } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { requireBuiltTrainer } from '../helpers/training';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

/**
 * The Model and Train screens in Chromium through web mode, on a real
 * studio with a temporary home, real trainer processes and real digits
 * (the fixture imported as a data set): edit a network, train it, watch
 * it, pause, resume and stop.
 */

let web: WebStudio;

beforeAll(async () => {
  requireBuiltTrainer();
  // Real digits (8,000 training, 2,000 test) imported as the data set "digits".
  web = await startWebStudio((studio) => studio.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' }));
});

afterAll(() => web?.close());

const savedSettings = () => web.savedSettings();
const setSettings = (patch: Partial<Settings>) => web.setSettings(patch);

async function openStudio(screen: 'model' | 'train'): Promise<{ page: Page; errors: string[] }> {
  const page = await web.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(web.server.url);
  await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/web mode|网页模式/);
  await page.getByTestId(`nav-${screen}`).click();
  await page.locator(`[data-screen="${screen}"]`).waitFor();
  return { page, errors };
}

/** Reloads in a language and theme, back on the same screen. */
async function reloadAs(page: Page, language: 'en' | 'zh-CN', theme: 'light' | 'dark'): Promise<void> {
  await setSettings({ language, theme });
  await page.reload();
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(language);
}

const screenshot = screenshotScreen;

const text = async (locator: Locator) => ((await locator.textContent()) ?? '').trim();
const points = async (page: Page, chart: string) => Number(await page.getByTestId(chart).getAttribute('data-points'));
const progressValue = async (page: Page) => Number(await page.getByTestId('progress-bar').getAttribute('aria-valuenow'));
const phase = (page: Page) => page.getByTestId('run-progress').getAttribute('data-phase');
const layerTypes = (page: Page) => page.locator('[data-testid="layers"] > li [data-type]').evaluateAll((els) => els.map((el) => el.getAttribute('data-type')));
const units = (page: Page, index: number) => page.getByTestId(`layer-${index}`).locator('input[data-field="units"]').inputValue();

async function fillHyperparams(page: Page, values: Record<string, string>): Promise<void> {
  for (const [field, value] of Object.entries(values)) await page.getByTestId(`hp-${field}`).fill(value);
}

describe('the Model screen in Chromium (web mode)', () => {
  it('edits the network: add, reorder (keys, buttons, drag) and remove layers, live shapes and parameters, messages beside the field at fault, presets, remembered', async () => {
    await setSettings({ language: 'en', theme: 'light', lastModelSpec: null });
    const { page, errors } = await openStudio('model');
    const total = page.getByTestId('total-params');

    // The seed's MLP: 784-128-64-10.
    expect(await text(total)).toBe('109,386');
    expect(await layerTypes(page)).toEqual(['flatten', 'dense', 'dense', 'dense']);
    expect(await text(page.getByTestId('layer-0-output'))).toMatch(/^784/);
    expect(await page.getByTestId('preset-mlp').getAttribute('aria-pressed')).toBe('true');
    expect(await text(page.getByTestId('model-status'))).toBe('Ready to train');

    // A dense layer goes in before the output layer: 64 → 64 → 10.
    await page.getByTestId('add-dense').click();
    expect(await layerTypes(page)).toEqual(['flatten', 'dense', 'dense', 'dense', 'dense']);
    expect(await text(total)).toBe('113,546');
    expect(await page.getByTestId('preset-mlp').getAttribute('aria-pressed')).toBe('false');
    expect(await page.locator('#model-name').inputValue()).toBe('custom');
    // Its units: 64 → 32 changes its own and the next layer's parameters.
    await page.getByTestId('layer-3').locator('input[data-field="units"]').fill('32');
    await expect.poll(() => text(total)).toBe('111,146');
    expect(await text(page.getByTestId('layer-3-output'))).toMatch(/^32\s*2,080 params$/);

    // Keyboard: its handle moves it up one place, focus follows, shapes follow.
    await page.getByTestId('layer-3').locator('.handle').focus();
    await page.keyboard.press('ArrowUp');
    expect(await units(page, 2)).toBe('32');
    expect(await page.evaluate(`document.activeElement.closest('[data-testid]').getAttribute('data-testid')`)).toBe('layer-2');
    await expect.poll(() => text(total)).toBe('107,370');
    expect(await text(page.getByTestId('announcement'))).toBe('Dense moved to position 3 of 5.');

    // A button moves it back down.
    await page.getByRole('button', { name: 'Move layer 3 (Dense) down' }).click();
    expect(await units(page, 3)).toBe('32');
    await expect.poll(() => text(total)).toBe('111,146');

    // Dragging by the handle: layer 4 (units 32) dropped above layer 2.
    await page
      .getByTestId('layer-3')
      .locator('.handle')
      .dragTo(page.getByTestId('layer-1'), { targetPosition: { x: 40, y: 4 } });
    await expect.poll(() => units(page, 1)).toBe('32');
    expect(await layerTypes(page)).toEqual(['flatten', 'dense', 'dense', 'dense', 'dense']);
    expect(await units(page, 2)).toBe('128');

    // A bad value: the message is beside the field, the field is marked, the status counts it.
    await page.getByTestId('layer-1').locator('input[data-field="units"]').fill('0');
    const messages = page.getByTestId('layer-1-messages');
    await expect.poll(() => text(messages)).toBe('Units: enter a whole number from 1 to 4,096.');
    expect(await page.getByTestId('layer-1').locator('input[data-field="units"]').getAttribute('aria-invalid')).toBe('true');
    expect(await text(page.getByTestId('model-status'))).toBe('Problems to fix before training: 1');
    await page.getByTestId('layer-1').locator('input[data-field="units"]').fill('32');
    await expect.poll(() => page.getByTestId('layer-1-messages').count()).toBe(0);

    // A shape error: without the flatten layer the first dense layer gets an image.
    await page.getByRole('button', { name: 'Remove layer 1 (Flatten)' }).click();
    expect(await layerTypes(page)).toEqual(['dense', 'dense', 'dense', 'dense']);
    await expect.poll(() => text(page.getByTestId('layer-0-messages'))).toBe('A dense layer needs a flat input, but this one gets 28×28×1. Put a flatten layer before it.');
    expect(await text(page.getByTestId('layer-1-output'))).toMatch(/^—/);
    await screenshot(page, 'model-en-light-errors');

    // The CNN preset replaces it all; the MLP brings the seed back, and the settings keep it.
    await page.getByTestId('preset-cnn').click();
    expect(await text(total)).toBe('61,706');
    expect(await page.getByTestId('preset-cnn').getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'model-en-light-cnn');
    await expect.poll(() => (savedSettings().lastModelSpec as { name?: string } | null)?.name).toBe('cnn');
    await page.getByTestId('preset-mlp').click();
    await expect.poll(() => savedSettings().lastModelSpec).toEqual(presetSpec('mlp'));

    // A custom network is remembered across a reload.
    await page.getByTestId('add-dropout').click();
    await expect.poll(() => (savedSettings().lastModelSpec as { layers?: unknown[] } | null)?.layers?.length).toBe(5);
    await page.reload();
    await page.locator('[data-screen="model"]').waitFor();
    expect(await layerTypes(page)).toEqual(['flatten', 'dense', 'dense', 'dropout', 'dense']);
    expect(await text(page.getByTestId('model-status'))).toBe('Ready to train');

    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await reloadAs(page, language, theme);
        await page.locator('[data-screen="model"]').waitFor();
        await screenshot(page, `model-${language}-${theme}`);
      }
    }
    expect(await text(page.getByTestId('model-status'))).toBe('可以开始训练');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the Train screen in Chromium (web mode)', () => {
  it('trains the mlp for one epoch on 2,000 images: hyperparameters checked as typed, the loss chart and progress move, the test accuracy and a link to its evaluation at the end', async () => {
    await setSettings({ language: 'en', theme: 'light', lastModelSpec: presetSpec('mlp'), lastHyperparams: null });
    const { page, errors } = await openStudio('train');
    expect(await page.getByTestId('dataset').inputValue()).toBe('digits');
    expect(await text(page.getByTestId('train-model'))).toContain('109,386 parameters');
    // The seed's defaults.
    expect(await page.getByTestId('hp-epochs').inputValue()).toBe('5');
    expect(await page.getByTestId('hp-batchSize').inputValue()).toBe('64');
    expect(await page.getByTestId('hp-learningRate').inputValue()).toBe('0.001');
    expect(await page.getByTestId('hp-optimizer').inputValue()).toBe('adam');
    expect(await page.getByTestId('hp-logEvery').inputValue()).toBe('100');

    // A value out of range is refused beside its field, and Start waits for it.
    await fillHyperparams(page, { batchSize: '0' });
    await expect.poll(() => text(page.getByTestId('hp-batchSize-error'))).toBe('Enter a whole number from 1 to 8,192.');
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    expect(await text(page.getByTestId('start-blocker'))).toBe('Fix the hyperparameters marked in red first.');
    await screenshot(page, 'train-en-light-invalid');

    await fillHyperparams(page, { batchSize: '64', epochs: '1', limit: '2000', logEvery: '5', seed: '7', validationSplit: '0.1' });
    await expect.poll(() => page.getByTestId('start').isDisabled()).toBe(false);
    await page.getByTestId('start').click();
    await expect.poll(() => phase(page), { timeout: 120_000 }).toBe('done');

    // 1,800 training images in batches of 64: 29 steps, each one's loss and its smoothed line, plus the epoch's mean and validation loss.
    // Charts draw at most ten times a second: the last points may take a moment.
    await expect.poll(() => points(page, 'loss-chart')).toBe(29 * 2 + 1 + 1);
    await expect.poll(() => points(page, 'accuracy-chart')).toBe(2);
    expect(await progressValue(page)).toBe(100);
    const accuracy = await text(page.getByTestId('test-accuracy'));
    expect(accuracy).toMatch(/^\d{1,3}\.\d\d%$/);
    expect(Number.parseFloat(accuracy)).toBeGreaterThan(50);
    const runId = (await web.studio.handlers['runs:list']({}, { shell: 'cli' }))[0]!.id;
    expect(await page.getByTestId('to-evaluation').getAttribute('href')).toBe(`#/evaluate?run=${runId}`);
    const log = await text(page.getByTestId('run-log'));
    expect(log).toContain('Epoch [1/1], Step [25/29], Loss: ');
    expect(log).toContain('Test accuracy: ');
    // The engine that trained it, and why.
    expect(await text(page.getByTestId('run-engine'))).toMatch(/^Engine: native TensorFlow kernels, (1 thread|\d+ threads) \(it matched tfjs-layers in the start-up check\)$/);
    // No toast over the charts: the result card says it (a toast comes on other screens).
    expect(await page.getByTestId('toast').count()).toBe(0);
    expect(savedSettings().lastHyperparams).toMatchObject({ epochs: 1, batchSize: 64, limit: 2000, logEvery: 5, seed: 7, validationSplit: 0.1 });
    await screenshot(page, 'train-en-light-done');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a longer run: live charts, pause and resume, still training after a reload in another language and theme, then stopped early with its test accuracy', async () => {
    await setSettings({
      language: 'en',
      theme: 'light',
      lastModelSpec: presetSpec('mlp'),
      lastHyperparams: { epochs: 1000, limit: 2000, logEvery: 5, seed: 3, validationSplit: 0.1 },
    });
    const { page, errors } = await openStudio('train');
    // Long enough to still be training when paused, on the native path too (1.8M samples: tens of seconds at its speed).
    expect(await page.getByTestId('hp-epochs').inputValue()).toBe('1000');
    await page.getByTestId('start').click();
    await expect.poll(() => phase(page), { timeout: 60_000 }).toBe('running');

    // The charts and the progress move while it trains.
    await expect.poll(() => points(page, 'accuracy-chart'), { timeout: 60_000 }).toBeGreaterThanOrEqual(6);
    const before = { loss: await points(page, 'loss-chart'), progress: await progressValue(page) };
    await expect.poll(() => points(page, 'loss-chart'), { timeout: 30_000 }).toBeGreaterThan(before.loss);
    await expect.poll(() => progressValue(page), { timeout: 30_000 }).toBeGreaterThan(before.progress);
    expect(await text(page.getByTestId('samples-per-sec'))).toMatch(/^[\d,]+ images\/s$/);
    expect(await text(page.getByTestId('run-where'))).toMatch(/^Epoch \d+ of 1000 · step \d+ of 29$/);
    // The form is locked while it trains.
    expect(await page.getByTestId('hp-epochs').isDisabled()).toBe(true);
    await screenshot(page, 'train-en-light-running');

    await page.getByTestId('pause').click();
    await expect.poll(() => phase(page)).toBe('paused');
    // The chart draws at most ten times a second: let the last points reach it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const paused = { loss: await points(page, 'loss-chart'), progress: await progressValue(page), where: await text(page.getByTestId('run-where')) };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await points(page, 'loss-chart')).toBe(paused.loss);
    expect(await text(page.getByTestId('run-where'))).toBe(paused.where);

    // A reloaded window finds the run where it is (train:status and its record), in any language and theme.
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await reloadAs(page, language, theme);
        await page.getByTestId('nav-train').click();
        await expect.poll(() => phase(page)).toBe('paused');
        // A reloaded chart redraws the whole history (thousands of points): on a loaded machine that took over poll's default second.
        await expect.poll(() => points(page, 'loss-chart'), { timeout: 15_000 }).toBe(paused.loss);
        expect(await progressValue(page)).toBe(paused.progress);
        expect(await text(page.getByTestId('run-engine'))).toMatch(
          language === 'en' ? /^Engine: native TensorFlow kernels, / : /^引擎：原生 TensorFlow 内核，\d+ 个线程（启动检查中与 tfjs-layers 结果一致）$/,
        );
        await screenshot(page, `train-${language}-${theme}-paused`);
      }
    }
    expect(await text(page.getByTestId('run-phase'))).toBe('已暂停');
    await reloadAs(page, 'en', 'light');
    await page.getByTestId('nav-train').click();

    // Leaving the screen does not stop it; resuming on another screen's return carries on.
    await page.getByTestId('resume').click();
    await expect.poll(() => phase(page)).toBe('running');
    await page.getByTestId('nav-model').click();
    await page.getByTestId('nav-train').click();
    await expect.poll(() => points(page, 'loss-chart'), { timeout: 30_000 }).toBeGreaterThan(paused.loss);

    await page.getByTestId('stop').click();
    await expect.poll(() => phase(page), { timeout: 60_000 }).toBe('stopped');
    expect(await text(page.getByTestId('run-result'))).toContain('Test accuracy (stopped early)');
    expect(await text(page.getByTestId('test-accuracy'))).toMatch(/^\d{1,3}\.\d\d%$/);
    expect(await text(page.getByTestId('run-log'))).toContain('Stopped early. Test accuracy: ');
    const runs = await web.studio.handlers['runs:list']({}, { shell: 'cli' });
    expect(runs[0]).toMatchObject({ status: 'stopped', modelName: 'mlp' });
    await screenshot(page, 'train-en-light-stopped');
    expect(errors).toEqual([]);
    await page.close();
  });
});
