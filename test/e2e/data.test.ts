import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/main/studio';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import type { Settings } from '../../src/shared/settings';
import { collectErrors, drawn, latinWordsOn, launchBrowser, screenshot } from '../helpers/browser';
import { filesOf, mirrorsOf } from '../helpers/mirror-server';
import { FASHION_MNIST_DIR, idxLabels, MNIST_FILES, mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

/** The official Fashion-MNIST files of Debian's package: the registry's digests verify them. */
const FASHION = filesOf(FASHION_MNIST_DIR);
const FASHION_BYTES = Object.values(FASHION).reduce((sum, b) => sum + b.length, 0);
const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';
const mirror = mirrorsOf(FASHION);

/** Latin words a Chinese Data screen may show: names, formats, units ("T 恤" is how Chinese writes T-shirt) and the side bar's "English". */
const LATIN_ALLOWED = new Set(['MNIST', 'Fashion', 'Studio', 'IDX', 'gzip', 'zip', 'MB', 'kB', 'T', 'English']);

let browser: BrowserContext;
let studio: Studio | null = null;
let server: WebServer | null = null;

beforeAll(async () => {
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

/** A studio on a fresh home, served in web mode, with these settings, and a page on its Data screen. */
async function openData(settings: Partial<Settings> = {}): Promise<{ page: Page; errors: string[]; home: string; studio: Studio }> {
  const home = tmpDir('mnist-studio-data-e2e-');
  studio = createStudio({ home, shell: 'web' });
  await setSettings({ language: 'en', theme: 'light', ...settings });
  server = await startWebServer({ studio, rendererDir: path.join(ROOT, 'out', 'renderer') });
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url);
  await expect.poll(() => page.getByTestId('dataset-card').count()).toBe(2);
  return { page, errors, home, studio };
}

/** Changes the settings as another window would: the page follows at once over the `settings` stream. */
async function setSettings(patch: Partial<Settings>): Promise<void> {
  await studio!.handlers['settings:update'](patch, { shell: 'cli' });
}

function savedSettings(home: string): Partial<Settings> {
  const file = path.join(home, 'settings.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Settings>) : {};
}

const card = (page: Page, id: string) => page.locator(`[data-testid="dataset-card"][data-dataset="${id}"]`);
const text = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** Screenshots in both languages and themes, switched live through the settings; `names` are words the user chose (a data set's name), not English to translate. */
async function screenshotsIn4(page: Page, state: string, names: string[] = []): Promise<void> {
  await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
  for (const language of ['en', 'zh-CN'] as const) {
    for (const theme of ['light', 'dark'] as const) {
      await setSettings({ language, theme });
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
      await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe(language === 'en' ? 'Data' : '数据');
      if (language === 'zh-CN') expect(await latinWordsOn(page, new Set([...LATIN_ALLOWED, ...names]))).toEqual([]);
      await screenshot(page, `data-${language}-${theme}-${state}`);
    }
  }
  await setSettings({ language: 'en', theme: 'light' });
}

describe('the Data screen in Chromium (web mode)', () => {
  it('downloads Fashion-MNIST from a local mirror with live progress, a resumed drop, and shows its samples and histograms', async () => {
    // The big file drops once after 3 MB, then comes slowly enough to watch.
    const m = await mirror({
      fault: (file, nth) => (file !== TRAIN_IMAGES ? null : nth === 0 ? { kind: 'drop', afterBytes: 3_000_000 } : { kind: 'slow', chunkBytes: 96 * 1024, intervalMs: 30 }),
    });
    const { page, errors, home } = await openData({ mirrors: [m.url] });
    const fashion = card(page, 'fashion-mnist');
    expect(await text(card(page, 'mnist').getByTestId('dataset-status'))).toBe('Not downloaded');
    expect(await text(fashion.getByTestId('train-count'))).toBe('60,000 images');
    expect(await text(fashion.getByTestId('size'))).toBe('about 30.9 MB');
    expect(await text(page.getByTestId('my-mirrors'))).toBe(m.url);
    await page.getByTestId('only-my-mirrors').check();

    await fashion.getByTestId('download').click();
    const bar = fashion.getByRole('progressbar', { name: 'Download of Fashion-MNIST' });
    await bar.waitFor();
    await expect.poll(() => fashion.getByTestId('download-retry').count(), { timeout: 20_000 }).toBe(1);
    expect(await text(fashion.getByTestId('download-retry'))).toMatch(/^Connection dropped, resuming from [\d.]+ MB…$/);
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(12);
    expect(await text(fashion.getByTestId('download-stats'))).toMatch(/^[\d.]+ MB of 3\d\.\d MB · [\d.]+ MB\/s · (\d+ sec|estimating time left…|.*left)/);
    expect(await text(fashion.getByTestId('download-mirror'))).toBe(`from ${new URL(m.url).host}`);
    expect(await fashion.locator('[data-state="active"] code').textContent()).toBe(TRAIN_IMAGES);
    expect(await text(fashion.getByTestId('dataset-status'))).toBe('Downloading');
    await screenshotsIn4(page, 'downloading');

    // Away and back: the store kept following the download.
    const before = Number(await bar.getAttribute('aria-valuenow'));
    await page.getByTestId('nav-settings').click();
    await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe('Settings');
    await page.waitForTimeout(600);
    await page.getByTestId('nav-data').click();
    await expect.poll(async () => Number(await card(page, 'fashion-mnist').getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(before);

    await expect.poll(() => text(fashion.getByTestId('dataset-status')), { timeout: 90_000, interval: 500 }).toBe('Ready');
    expect(await text(fashion.getByTestId('download-outcome'))).toMatch(/^Fashion-MNIST is ready: 3\d\.\d MB downloaded in .+\.$/);
    expect(await fashion.getByTestId('download-progress').count()).toBe(0);
    expect(await text(fashion.getByTestId('size'))).toBe(`${(FASHION_BYTES / 1e6).toFixed(1)} MB`);
    expect(await text(fashion.getByTestId('origin'))).toBe(new URL(m.url).host);
    // Only our mirror was asked: the official hosts were left alone.
    expect(new Set(m.requests.map((r) => r.file))).toEqual(new Set(Object.keys(FASHION)));

    // Downloading chose it; arrow keys move the choice as in any radio group; the choice is remembered.
    expect(await fashion.getByRole('radio').getAttribute('aria-checked')).toBe('true');
    expect(savedSettings(home).lastDatasetId).toBe('fashion-mnist');
    await fashion.getByRole('radio').focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => savedSettings(home).lastDatasetId).toBe('mnist');
    expect(await page.locator(':focus').textContent()).toBe('MNIST');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => savedSettings(home).lastDatasetId).toBe('fashion-mnist');
    const details = page.getByTestId('dataset-details');
    await expect.poll(() => details.getByTestId('sample-grid').count()).toBe(1);
    expect(await text(details.getByTestId('details-summary'))).toBe('70,000 images in 10 classes: 60,000 for training, 10,000 for testing.');
    const rows = details.locator('[data-testid="sample-grid"] tbody tr');
    expect(await rows.count()).toBe(10);
    expect(await text(rows.nth(9))).toBe('Ankle boot 6,000 1,000');
    expect(await details.locator('canvas[data-sample]').count()).toBe(80);
    expect(await drawn(details.locator('canvas[data-sample]').first())).toBe(true);
    const charts = details.getByTestId('histograms').locator('canvas');
    expect(await charts.count()).toBe(2);
    await expect.poll(() => drawn(charts.first())).toBe(true);
    expect(await details.getByRole('img', { name: 'Training set · 60,000: from 6,000 to 6,000 images per class' }).count()).toBe(1);

    // After a reload the choice is still Fashion-MNIST.
    await page.reload();
    await expect.poll(() => card(page, 'fashion-mnist').getByRole('radio').getAttribute('aria-checked')).toBe('true');
    await page.setViewportSize({ width: 1280, height: 1900 });
    await expect.poll(() => page.getByTestId('sample-grid').count()).toBe(1);
    await screenshotsIn4(page, 'ready');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancels a download mid-way on a slow mirror, leaving no half file', async () => {
    const m = await mirror({ fault: () => ({ kind: 'slow', chunkBytes: 16 * 1024, intervalMs: 40 }) });
    const { page, errors, home } = await openData({ mirrors: [m.url] });
    await page.getByTestId('only-my-mirrors').check();
    const fashion = card(page, 'fashion-mnist');
    await fashion.getByTestId('download').click();
    await expect.poll(() => savedSettings(home).lastDatasetId).toBe('fashion-mnist');
    await expect.poll(() => fashion.getByTestId('download-speed').count(), { timeout: 20_000 }).toBe(1);
    await fashion.getByTestId('cancel').click();
    await expect.poll(() => fashion.getByTestId('download-outcome').count()).toBe(1);
    expect(await text(fashion.getByTestId('download-outcome'))).toBe('Download cancelled. Files already verified are kept for next time.');
    expect(await fashion.getByTestId('download-progress').count()).toBe(0);
    expect(await fashion.getByTestId('error').count()).toBe(0);
    await expect.poll(() => text(fashion.getByTestId('dataset-status'))).toBe('Not downloaded');
    expect(await text(fashion.getByTestId('download'))).toBe('Download');
    expect(fs.readdirSync(path.join(home, 'datasets', 'fashion-mnist')).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(await fashion.getByRole('radio').getAttribute('aria-checked')).toBe('true');
    await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
    await screenshot(page, 'data-en-light-cancelled');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a failing mirror: a clear, translated error naming the file and what the mirror answered', async () => {
    const m = await mirror({ fault: () => ({ kind: 'status', status: 500 }) });
    const { page, errors } = await openData({ mirrors: [m.url] });
    await page.getByTestId('only-my-mirrors').check();
    const mnist = card(page, 'mnist');
    await mnist.getByTestId('download').click();
    const error = mnist.getByTestId('error');
    await error.waitFor({ timeout: 20_000 });
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.getAttribute('data-code')).toBe('NETWORK');
    const shown = await text(error);
    expect(shown).toContain('The download of MNIST failed');
    // The general sentence, the engine's own naming the file and the mirror (error-detail, below), then what to do.
    expect(shown).toContain('The download failed on every mirror.');
    expect(shown).toContain('Check the connection, add a mirror you can reach in Settings, or import the files.');
    expect(await text(error.getByTestId('error-detail'))).toBe(`train-images-idx3-ubyte.gz: no mirror gave a good copy: ${new URL(m.url).host} has a server error`);
    expect(shown).not.toMatch(/\[object|"code"|\{/);
    expect(await text(mnist.getByTestId('download'))).toBe('Try again');
    await page.locator('#main').evaluate((main) => main.scrollTo(0, 0));
    await screenshot(page, 'data-en-light-download-error');
    await setSettings({ language: 'zh-CN', theme: 'dark' });
    await expect.poll(() => text(error)).toContain('MNIST 下载失败');
    expect(await text(error)).toContain('所有镜像都下载失败了。');
    await screenshot(page, 'data-zh-CN-dark-download-error');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports the files the browser picks, uploaded; a set with one bad file is refused, naming the file and the defect', async () => {
    const fixture = mnistFixtureDir();
    const bad = tmpDir('mnist-studio-bad-import-');
    for (const name of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, name), path.join(bad, name));
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(fixture, `${MNIST_FILES.trainLabels}.gz`))).subarray(8);
    const broken = Uint8Array.from(labels);
    broken[5] = 12;
    fs.writeFileSync(path.join(bad, `${MNIST_FILES.trainLabels}.gz`), zlib.gzipSync(idxLabels(broken)));

    const { page, errors, home } = await openData();
    // Web mode: the browser picks files on its own machine; there is no dialog of the engine's and no path to type.
    expect(await page.getByTestId('browse').count()).toBe(0);
    await page.getByTestId('to-import').click();
    expect(await page.locator(':focus').getAttribute('id')).toBe('import-files');
    await page.getByTestId('import').click();
    expect(await text(page.getByTestId('import-problem'))).toBe('Choose the four files, or a .zip holding them.');

    const picker = page.getByLabel('Files', { exact: true });
    await picker.setInputFiles(
      fs
        .readdirSync(bad)
        .filter((n) => n.endsWith('.gz'))
        .map((n) => path.join(bad, n)),
    );
    expect(await text(page.getByTestId('import-chosen'))).toMatch(/^Chosen: 4 \([\d.]+ MB\)$/);
    await page.getByTestId('import').click();
    const error = page.getByTestId('import-form').getByTestId('error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.getAttribute('data-code')).toBe('INTEGRITY');
    expect(await text(error)).toContain('The import failed A file failed its integrity check.');
    expect(await text(error)).toContain('The file named above is damaged or not an MNIST-format file.');
    // The uploaded file's own name: no folder of the engine's machine is shown.
    expect(await text(error.getByTestId('error-detail'))).toBe(`${MNIST_FILES.trainLabels}.gz: label 12 at index 5 is not a class from 0 to 9`);
    expect(fs.readdirSync(path.join(home, 'datasets')).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(fs.readdirSync(home).filter((f) => f.startsWith('.upload.'))).toEqual([]);
    await page.locator('#main').evaluate((main) => main.scrollTo(0, main.scrollHeight));
    await screenshot(page, 'data-en-light-import-error');

    await picker.setInputFiles(
      fs
        .readdirSync(fixture)
        .filter((n) => n.endsWith('.gz'))
        .map((n) => path.join(fixture, n)),
    );
    await page.getByLabel('Name (optional)').fill('my-digits');
    await page.getByTestId('import').click();
    // Uploaded in 512 KiB chunks, then checked: seconds on a busy machine.
    await expect.poll(() => page.getByTestId('import-done').count(), { timeout: 30_000 }).toBe(1);
    expect(await text(page.getByTestId('import-done'))).toBe('my-digits was imported.');
    expect(await page.getByTestId('import-form').getByTestId('error').count()).toBe(0);
    const mine = card(page, 'my-digits');
    expect(await text(mine.getByTestId('dataset-status'))).toBe('Ready');
    expect(await text(mine.getByTestId('origin'))).toBe('upload');
    expect(await text(mine.getByTestId('train-count'))).toBe('8,000 images');
    expect(await mine.getByRole('radio').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => savedSettings(home).lastDatasetId).toBe('my-digits');
    await expect.poll(() => page.getByTestId('sample-grid').locator('canvas[data-sample]').count()).toBe(80);
    expect(await drawn(page.getByTestId('sample-grid').locator('canvas[data-sample]').last())).toBe(true);
    expect(await page.getByTestId('histograms').locator('canvas').count()).toBe(2);
    await page.setViewportSize({ width: 1280, height: 2000 });
    await setSettings({ theme: 'dark' });
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(page, 'data-en-dark-imported');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('deletes a broken data set from its card after asking (issue 13): Escape keeps it, Delete removes only its folder', async () => {
    const { page, errors, home, studio: engine } = await openData();
    expect((await engine.handlers['datasets:import']({ paths: [mnistFixtureDir()], name: 'my-digits' }, { shell: 'cli' })).status).toBe('ready');
    const dir = path.join(home, 'datasets', 'my-digits');
    // Broken as issue 13 left MNIST: dataset.json stays, the four files are gone.
    for (const f of fs.readdirSync(dir)) if (f !== 'dataset.json') fs.rmSync(path.join(dir, f));
    const outside = path.join(tmpDir(), 'keep.txt');
    fs.writeFileSync(outside, 'not the studio’s');
    fs.symlinkSync(outside, path.join(dir, 'link'));
    await page.reload();
    await expect.poll(() => page.getByTestId('dataset-card').count()).toBe(3);
    const broken = card(page, 'my-digits');
    // Nothing on disk, nothing to delete: the registry's cards have no Delete.
    expect(await card(page, 'mnist').getByTestId('delete-dataset').count()).toBe(0);
    expect(await broken.getByTestId('delete-dataset').getAttribute('aria-label')).toBe('Delete my-digits from the studio home');
    expect(await text(broken.getByTestId('dataset-status'))).toBe('Files missing');
    await screenshotsIn4(page, 'broken-card', ['my', 'digits']);

    await broken.getByTestId('delete-dataset').click();
    const dialog = page.getByTestId('delete-dataset-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.locator(':focus').getAttribute('data-testid')).toBe('delete-cancel');
    expect(await text(dialog.locator('#delete-dataset-title'))).toBe('Delete this data set?');
    expect(await text(page.getByTestId('delete-dataset-dir'))).toBe(dir);
    await screenshotsIn4(page, 'delete-dialog', ['my', 'digits']);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(fs.existsSync(path.join(dir, 'dataset.json'))).toBe(true);

    await broken.getByTestId('delete-dataset').click();
    await page.getByTestId('delete-confirm').click();
    await expect.poll(() => page.getByTestId('dataset-card').count()).toBe(2);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readFileSync(outside, 'utf8')).toBe('not the studio’s');
    await expect.poll(async () => (await page.locator('.toast').allInnerTexts()).join(' ')).toContain('my-digits was deleted from the studio home.');
    await screenshot(page, 'data-en-light-deleted');
    expect(errors).toEqual([]);
    await page.close();
  });
});
