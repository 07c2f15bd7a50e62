import fs from 'node:fs';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../src/main/electron-binary';
import { createStudio } from '../../src/main/studio';
import { dispatch } from '../../src/main/dispatch';
import { presetSpec } from '../../src/shared/model-spec';
import { collectErrors, screenshot } from '../helpers/browser';
import { mnistFixtureDir } from '../helpers/mnist-fixture';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

/**
 * The desktop app itself, driven by Playwright's Electron support: the same
 * flow as the browser tests (train, see the model, rename, export, draw),
 * through IPC and the app's own dialogs. It needs Electron's binary, which
 * `npm ci` fetches from GitHub; where it could not, this says so and skips.
 */
const binary = electronBinary();
const SKIP_REASON =
  binary.binary === 'present'
    ? null
    : `the Electron ${binary.version ?? ''} binary is not on this machine (run \`node node_modules/electron/install.js\` where GitHub is reachable); the same flow runs in Chromium in models.test.ts`;
if (SKIP_REASON) console.warn(`skipping the Electron spec: ${SKIP_REASON}`);

let app: ElectronApplication | null = null;

afterAll(async () => {
  await app?.close();
});

describe.skipIf(SKIP_REASON !== null)(`the desktop app under Electron${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  it('trains a model, lists it, renames and exports it through the save dialog, and scores a drawing', async () => {
    const home = tmpDir('mnist-studio-electron-');
    // A data set and a trained model in the home first, through the same engine the app runs.
    const studio = createStudio({ home, shell: 'web' });
    try {
      expect(await dispatch(studio.handlers, 'datasets:import', { paths: [mnistFixtureDir()], name: 'digits' }, { shell: 'cli' })).toMatchObject({ ok: true });
      const done = new Promise<void>((resolve) => studio.events.on('train', (e) => e.kind === 'done' && resolve()));
      expect(
        await dispatch(studio.handlers, 'train:start', { dataset: { id: 'digits' }, model: presetSpec('mlp'), hyperparams: { epochs: 1, limit: 640 } }, { shell: 'cli' }),
      ).toMatchObject({ ok: true });
      await done;
    } finally {
      await studio.close();
    }

    app = await electron.launch({ executablePath: binary.path!, args: [ROOT, '--home', home], env: { ...process.env, ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' } });
    const page: Page = await app.firstWindow();
    const errors = collectErrors(page);
    // The renderer comes from the app's own origin, never file://, with the CSP header the protocol handler sets.
    await expect.poll(() => page.url()).toMatch(/^app:\/\/studio\/index\.html/);
    expect(await page.evaluate(async () => (await fetch('app://studio/index.html')).headers.get('content-security-policy'))).toContain("default-src 'self'");
    expect(await page.evaluate(async () => (await fetch('app://studio/../../etc/passwd')).status)).toBe(404);
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 30_000 }).toBe('Connected · desktop app');

    await page.getByTestId('nav-models').click();
    const row = page.getByTestId('model-row').first();
    await row.waitFor();
    await row.getByTestId('rename').click();
    await row.getByTestId('rename-input').fill('Desktop digits');
    await row.getByTestId('rename-input').press('Enter');
    await expect.poll(() => row.getByTestId('model-name').textContent()).toBe('Desktop digits');

    // The save dialog answers where to write (a native dialog cannot be clicked by a test).
    const out = path.join(tmpDir(), 'desktop-digits.onnx');
    await app.evaluate(({ dialog }, file) => {
      dialog.showSaveDialog = async () => ({ canceled: false, filePath: file });
    }, out);
    await row.getByTestId('model-export').click();
    await page.getByTestId('format-onnx').check();
    await page.getByTestId('export-submit').click();
    await expect.poll(() => fs.existsSync(out), { timeout: 30_000 }).toBe(true);
    expect(fs.statSync(out).size).toBeGreaterThan(100_000);

    await row.getByTestId('model-try').click();
    const pad = page.getByTestId('pad');
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.06 * i));
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('bar').count(), { timeout: 60_000 }).toBe(10);
    const sum = await page.getByTestId('bar').evaluateAll((els) => els.reduce((s, el) => s + Number(el.getAttribute('data-probability')), 0));
    expect(sum).toBeCloseTo(1, 4);
    await screenshot(page, 'electron-playground');
    expect(errors).toEqual([]);
  }, 240_000);
});
