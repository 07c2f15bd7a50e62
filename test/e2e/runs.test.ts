import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { BrowserContext, Download, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/dispatch';
import { createStudio, type Studio } from '../../src/main/studio';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { presetSpec } from '../../src/shared/model-spec';
import type { Settings } from '../../src/shared/settings';
import type { RunRecord, TrainEvent } from '../../src/shared/training';
import { collectErrors, drawn, latinWordsOn, launchBrowser, screenshot, SCREENSHOTS, type Canvas2D } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';
import { requireBuiltTrainer } from '../helpers/training';

/** Latin words a Chinese Runs or Evaluate screen may show: names, formats, the network's and data set's names, units, optimizers. */
const LATIN_ALLOWED = new Set(['MNIST', 'Studio', 'mlp', 'digits', 'PNG', 'CSV', 'Adam', 'F1', 'English']);

let browser: BrowserContext;
let studio: Studio | null = null;
let server: WebServer | null = null;

beforeAll(async () => {
  requireBuiltTrainer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await server?.close();
  await studio?.close();
  server = studio = null;
});

async function setSettings(patch: Partial<Settings>): Promise<void> {
  await studio!.handlers['settings:update'](patch, { shell: 'cli' });
}

/** A studio on a fresh home, served in web mode. */
async function serve(): Promise<{ home: string; studio: Studio }> {
  const home = tmpDir('mnist-studio-runs-e2e-');
  studio = createStudio({ home, shell: 'web' });
  await setSettings({ language: 'en', theme: 'light' });
  server = await startWebServer({ studio, rendererDir: path.join(ROOT, 'out', 'renderer') });
  return { home, studio };
}

/**
 * One real, tiny run through the API, as the Train screen starts one: the
 * mlp for one epoch on 640 of the fixture's digits, a loss logged every
 * two batches. Resolves with its record once it is done and on disk.
 */
async function train(s: Studio, hyperparams: { seed: number; learningRate: number; batchSize: number }): Promise<RunRecord> {
  const finished = new Promise<string>((resolve, reject) => {
    const off = s.events.on('train', (event: TrainEvent) => {
      if (event.kind === 'done') {
        off();
        resolve(event.runId);
      } else if (event.kind === 'failed') {
        off();
        reject(new Error(event.reason));
      }
    });
  });
  const started = await dispatch(
    s.handlers,
    'train:start',
    {
      dataset: { id: 'digits' },
      model: presetSpec('mlp'),
      hyperparams: { epochs: 1, limit: 640, logEvery: 2, ...hyperparams },
    },
    { shell: 'cli' },
  );
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const runId = await finished;
  const record = await dispatch(s.handlers, 'runs:get', { id: runId }, { shell: 'cli' });
  if (!record.ok) throw new Error(record.error.message);
  return record.value as RunRecord;
}

const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const rows = (page: Page) => page.getByTestId('run-row');
const row = (page: Page, id: string) => page.locator(`[data-testid="run-row"][data-run="${id}"]`);
const rowIds = (page: Page) => rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-run')));
const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

/** A downloaded file's name and bytes. */
async function saved(download: Promise<Download>): Promise<{ name: string; bytes: Buffer }> {
  const d = await download;
  const file = await d.path();
  return { name: d.suggestedFilename(), bytes: fs.readFileSync(file) };
}

/** A PNG's size and its pixel rows (decompressed, filter bytes included): enough to tell a chart from a blank canvas. */
function readPng(bytes: Buffer): { width: number; height: number; distinctBytes: number } {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const pixels = zlib.inflateSync(Buffer.concat(idat));
  return { width, height, distinctBytes: new Set(pixels).size };
}

/** Screenshots in both languages and themes, switched live through the settings. */
async function screenshotsIn4(page: Page, name: string, title: { en: string; 'zh-CN': string }): Promise<void> {
  await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
  for (const language of ['en', 'zh-CN'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title[language]);
      if (language === 'zh-CN') expect(await latinWordsOn(page, LATIN_ALLOWED)).toEqual([]);
      await screenshot(page, `${name.replace('{lang}', language).replace('{theme}', theme)}`);
    }
  }
  await setSettings({ language: 'en', theme: 'light' });
  await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(title.en);
}

describe('the Runs and Evaluate screens in Chromium (web mode)', () => {
  it('say there is nothing yet on a fresh home, and link to Train', async () => {
    await serve();
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(server!.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('no-runs').waitFor();
    expect(await page.getByTestId('no-runs').locator('h2').textContent()).toBe('No runs yet');
    await screenshot(page, 'runs-en-light-empty');
    await setSettings({ language: 'zh-CN', theme: 'dark' });
    await expect.poll(() => page.getByTestId('no-runs').locator('h2').textContent()).toBe('还没有训练记录');
    await screenshot(page, 'runs-zh-CN-dark-empty');
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('nothing-to-evaluate').waitFor();
    expect(await page.getByTestId('nothing-to-evaluate').locator('h2').textContent()).toBe('还没有可以评估的模型');
    await screenshot(page, 'evaluate-zh-CN-dark-empty');
    await page.getByTestId('to-train').click();
    await expect.poll(() => page.url()).toMatch(/#\/train$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a run’s page and the compare chart draw every batch’s loss the record kept, not only the logged ones', { timeout: 120_000 }, async () => {
    const { studio: s } = await serve();
    expect(await dispatch(s.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' })).toMatchObject({ ok: true });
    // 20 batches, a loss logged every 2: the record keeps all 20.
    const run = await train(s, { seed: 4, learningRate: 0.003, batchSize: 32 });
    const steps = run.metrics.losses!.values.length;
    expect(steps).toBeGreaterThan(run.metrics.batches.length);
    const epochMarks = run.metrics.epochs.length + run.metrics.epochs.filter((e) => e.validationLoss !== null).length;

    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 1100 });
    const errors = collectErrors(page);
    await page.goto(`${server!.url}#/runs/${run.id}`);
    await page.getByTestId('run-detail').waitFor();
    const chart = page.locator('[data-testid="run-loss-chart"] canvas');
    await expect.poll(() => drawn(chart)).toBe(true);
    // Smoothed and raw: every batch twice, and the epoch's means.
    await expect.poll(() => page.getByTestId('run-loss-chart').getAttribute('data-points')).toBe(String(2 * steps + epochMarks));
    // Its environment names libraries in Latin letters: the Latin-word check is the Runs list's below.
    for (const language of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await setSettings({ language, theme });
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(language === 'en' ? 'Runs' : '训练记录');
        await screenshot(page, `run-detail-losses-${language}-${theme}`);
      }
    }

    await setSettings({ language: 'en', theme: 'light' });
    await page.goto(`${server!.url}#/runs`);
    await row(page, run.id).locator('[data-testid="compare"]').check();
    await expect.poll(() => page.locator('[data-testid="loss-panel"] [role="img"]').getAttribute('data-points')).toBe(String(2 * steps));
    await screenshotsIn4(page, 'runs-compare-losses-{lang}-{theme}', { en: 'Runs', 'zh-CN': '训练记录' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('list real runs with their test accuracy; sort, filter, overlay, export CSV and PNG, delete; evaluate one down to its misclassified digits', async () => {
    const { home, studio: s } = await serve();
    expect(await dispatch(s.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' })).toMatchObject({ ok: true });
    const slow = await train(s, { seed: 1, learningRate: 0.0003, batchSize: 64 });
    const fast = await train(s, { seed: 2, learningRate: 0.003, batchSize: 32 });
    const third = await train(s, { seed: 3, learningRate: 0.001, batchSize: 64 });
    for (const r of [slow, fast, third]) {
      expect(r.status).toBe('done');
      expect(r.metrics.batches.length).toBeGreaterThanOrEqual(5);
    }

    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 1400 });
    const errors = collectErrors(page);
    await page.goto(`${server!.url}`);
    await page.getByTestId('nav-runs').click();
    await expect.poll(() => rows(page).count()).toBe(3);
    // Newest first, each with its real test accuracy.
    expect(await rowIds(page)).toEqual([third.id, fast.id, slow.id]);
    for (const r of [slow, fast, third]) {
      expect(await text(row(page, r.id).getByTestId('run-accuracy'))).toBe(percent(r.testAccuracy!));
      expect(await text(row(page, r.id).getByTestId('run-status'))).toBe('Done');
    }
    expect(await text(row(page, fast.id).locator('td').nth(2))).toBe('digits');
    expect(await text(row(page, fast.id).locator('td').nth(3))).toBe('mlp preset 109,386 parameters');
    expect(await text(row(page, fast.id).locator('td').nth(6))).toBe('0.003 Adam');

    // Sort by learning rate, both ways; the header says how.
    const lr = page.getByTestId('sort-learningRate');
    await lr.click();
    expect(await rowIds(page)).toEqual([slow.id, third.id, fast.id]);
    expect(await page.locator('th', { has: lr }).getAttribute('aria-sort')).toBe('ascending');
    await lr.press('Enter');
    expect(await rowIds(page)).toEqual([fast.id, third.id, slow.id]);
    expect(await page.locator('th', { has: lr }).getAttribute('aria-sort')).toBe('descending');

    // Filter by words, then clear.
    await page.getByTestId('filter-text').fill(fast.id.slice(-6));
    await expect.poll(() => rowIds(page)).toEqual([fast.id]);
    expect(await text(page.getByTestId('runs-shown'))).toBe('Showing 1 of 3');
    await page.getByTestId('clear-filters').click();
    await expect.poll(() => rows(page).count()).toBe(3);

    // Overlay two loss curves: tick with the keyboard.
    await row(page, fast.id).getByTestId('compare').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    const compared = page.getByTestId('compare-runs').locator('li');
    await expect.poll(() => compared.count()).toBe(2);
    expect(await compared.evaluateAll((els) => els.map((el) => el.getAttribute('data-run')))).toEqual([fast.id, third.id]);
    const lossCanvas = page.getByTestId('loss-panel').locator('canvas');
    await expect.poll(() => drawn(lossCanvas)).toBe(true);
    await expect.poll(() => drawn(page.getByTestId('accuracy-panel').locator('canvas'))).toBe(true);
    expect(await page.getByTestId('loss-panel').getByRole('img').getAttribute('aria-label')).toMatch(/^Training loss of mlp · digits · .+, mlp · digits · .+ by epoch$/);

    // Export the loss chart as PNG: a real picture of the canvas's size.
    const png = await saved(Promise.all([page.waitForEvent('download'), page.getByTestId('loss-png').click()]).then(([d]) => d));
    expect(png.name).toBe('mnist-studio-loss.png');
    const canvasSize = await lossCanvas.evaluate((el) => [(el as unknown as Canvas2D).width, (el as unknown as Canvas2D).height]);
    const image = readPng(png.bytes);
    expect([image.width, image.height]).toEqual(canvasSize);
    expect(image.distinctBytes).toBeGreaterThan(20);
    // Kept with the screenshots, to look at what a user gets.
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS, 'runs-exported-loss.png'), png.bytes);

    // Export a run's metrics as CSV: every logged batch and the epoch, as recorded.
    const csv = await saved(Promise.all([page.waitForEvent('download'), row(page, fast.id).getByTestId('run-csv').click()]).then(([d]) => d));
    expect(csv.name).toBe(`mnist-studio-run-${fast.id}.csv`);
    const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('run,dataset,model,kind,epoch,step,global_step,loss,accuracy,validation_loss,validation_accuracy,samples_per_sec,elapsed_ms');
    const batchLines = lines.filter((l) => l.split(',')[3] === 'batch');
    expect(batchLines).toHaveLength(fast.metrics.batches.length);
    expect(batchLines[0]!.split(',').slice(0, 8)).toEqual([fast.id, 'digits', 'mlp', 'batch', '1', '2', '2', String(fast.metrics.batches[0]!.loss)]);
    expect(lines.filter((l) => l.split(',')[3] === 'epoch')).toHaveLength(1);

    await screenshotsIn4(page, 'runs-{lang}-{theme}-compare', { en: 'Runs', 'zh-CN': '训练记录' });

    // Delete the slow run, after confirming; its folder goes, the others stay.
    await row(page, slow.id).getByTestId('run-delete').click();
    const dialog = page.getByTestId('delete-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await screenshot(page, 'runs-en-light-delete');
    await dialog.getByTestId('delete-confirm').click();
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(fs.existsSync(path.join(home, 'runs', slow.id))).toBe(false);
    expect(fs.readdirSync(path.join(home, 'runs')).sort()).toEqual([fast.id, third.id].sort());

    // Evaluate the fast run from its row.
    await row(page, fast.id).getByTestId('run-evaluate').click();
    await expect.poll(() => page.url()).toContain(`#/evaluate?run=${fast.id}`);
    const evaluation = page.getByTestId('evaluation');
    await evaluation.waitFor();
    expect(await evaluation.getAttribute('data-run')).toBe(fast.id);
    expect(await text(page.getByTestId('test-accuracy'))).toBe(percent(fast.testAccuracy!));
    expect(await text(page.getByTestId('mistakes'))).toBe(fast.evaluation!.misclassified.length.toLocaleString('en-US'));
    expect(await page.getByTestId('class-metrics').locator('tbody tr').count()).toBe(10);
    const matrix = page.getByTestId('confusion-matrix');
    expect(await matrix.locator('tbody tr').count()).toBe(10);
    const confusion = fast.evaluation!.confusion;
    expect(await text(matrix.locator('tbody tr').nth(2).locator('td').nth(2))).toBe(String(confusion[2]![2]));

    // The largest mistake: click its cell, see its digits.
    let worst = { label: 0, predicted: 1, count: -1 };
    confusion.forEach((r, label) =>
      r.forEach((count, predicted) => {
        if (label !== predicted && count > worst.count) worst = { label, predicted, count };
      }),
    );
    expect(worst.count).toBeGreaterThan(0);
    await matrix.locator(`[data-cell="${worst.label}-${worst.predicted}"] button`).click();
    const digits = page.getByTestId('misclassified-images').locator('canvas');
    await expect.poll(() => digits.count()).toBe(Math.min(worst.count, 40));
    expect(await text(page.getByTestId('misclassified').locator('h3'))).toBe(`${worst.label} predicted as ${worst.predicted}`);
    const wanted = fast.evaluation!.misclassified.filter((m) => m.label === worst.label && m.predicted === worst.predicted).map((m) => m.index);
    expect(await digits.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-index'))))).toEqual(wanted.slice(0, 40));
    await expect.poll(() => drawn(digits.first())).toBe(true);
    await screenshotsIn4(page, 'evaluate-{lang}-{theme}-cell', { en: 'Evaluate', 'zh-CN': '评估' });

    // The picker moves to another run and the address follows.
    await page.getByTestId('run-picker').selectOption(third.id);
    await expect.poll(() => page.url()).toContain(`#/evaluate?run=${third.id}`);
    await expect.poll(() => evaluation.getAttribute('data-run')).toBe(third.id);
    expect(errors).toEqual([]);
    await page.close();
  });
});
