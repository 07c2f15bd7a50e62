import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio } from '../../src/main/studio';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { collectErrors, launchBrowser, screenshot } from '../helpers/browser';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

let browser: BrowserContext;
let server: WebServer;
let home: string;

beforeAll(async () => {
  home = tmpDir();
  server = await startWebServer({ studio: createStudio({ home, shell: 'web' }), rendererDir: path.join(ROOT, 'out', 'renderer') });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the studio in Chromium (web mode)', () => {
  it('renders the built renderer, connects over the WebSocket and breaks no CSP rule', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(server.url);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Connected · web mode');
    expect(await page.locator('h1').textContent()).toBe('Data');
    // The engine's answers reach the page: the Settings screen shows this server's studio home.
    await page.getByTestId('nav-settings').click();
    await expect.poll(() => page.getByText(home).count()).toBe(1);
    // The token leaves the address bar once the page has it.
    expect(page.url()).not.toContain(server.token);
    await screenshot(page, 'home-web-mode');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without the token, the page loads but the API stays closed', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('This link is missing its token: open the full address mnist-studio serve printed.');
    await page.close();
  });
});
