import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/shared/settings';
import type { WebServer } from '../../src/main/web/server';
import { collectErrors, latinWordsOn, screenshot } from '../helpers/browser';
import { startWebStudio, type WebStudio } from '../helpers/web-studio';

const SCREENS = ['data', 'model', 'train', 'runs', 'evaluate', 'playground', 'models', 'settings'] as const;
/** The titles a person should see, written out here rather than read from the message files the app uses. */
const TITLES = {
  en: { data: 'Data', model: 'Model', train: 'Train', runs: 'Runs', evaluate: 'Evaluate', playground: 'Playground', models: 'Models', settings: 'Settings' },
  'zh-CN': { data: '数据', model: '模型', train: '训练', runs: '训练记录', evaluate: '评估', playground: '试一试', models: '模型库', settings: '设置' },
};
/** Latin words a Chinese screen may show: names (of formats, networks, activation functions, optimizers, keys), and the language picker's own "English". */
const LATIN_ALLOWED = new Set([
  'TF',
  'LeNet',
  'ReLU',
  'Sigmoid',
  'Tanh',
  'SGD',
  'Adam',
  'RMSprop',
  'Home',
  'End',
  'MNIST',
  // The .zip a data set or a model may come in.
  'zip',
  'Studio',
  'Fashion',
  'TensorFlow',
  'English',
  'IDX',
  'MLP',
  'CNN',
  'Dropout',
  'PNG',
  'CSV',
  'JSON',
  'F1',
  'Node',
  'js',
  'Electron',
  'Chromium',
  'linux',
  'x64',
  'CPU',
  'mnist',
  'studio',
  'serve',
  'settings',
  'json',
  'gzip',
  'MB',
  'Keras',
  'onnx',
  'ONNX',
  'PyTorch',
]);

let web: WebStudio;
let browser: BrowserContext;
let server: WebServer;
let home: string;
let settingsFile: string;

beforeAll(async () => {
  web = await startWebStudio();
  ({ browser, server, home } = web);
  settingsFile = path.join(home, 'settings.json');
});

afterAll(() => web?.close());

const savedSettings = () => web.savedSettings();
const setSettings = (patch: Partial<Settings>) => web.setSettings(patch);

/** A page of the studio, connected; errors (CSP violations among them) are collected. */
async function openStudio(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(server.url);
  await expect.poll(() => page.getByTestId('status').textContent()).toMatch(/web mode|网页模式/);
  return { page, errors };
}

const title = (page: Page) => page.getByTestId('screen-title').textContent();
const theme = (page: Page) => page.locator('html').getAttribute('data-theme');
const focused = (page: Page) => page.locator(':focus').first().getAttribute('data-testid');

const englishOn = (page: Page) => latinWordsOn(page, LATIN_ALLOWED);

describe('the studio shell in Chromium (web mode)', () => {
  it('reaches every screen from the side bar, in both languages and both themes (screenshots)', async () => {
    const { page, errors } = await openStudio();
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const theme of ['light', 'dark'] as const) {
        await setSettings({ language: locale, theme });
        await page.reload();
        await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme);
        expect(await page.locator('html').getAttribute('lang')).toBe(locale);
        for (const screen of SCREENS) {
          await page.getByTestId(`nav-${screen}`).click();
          await expect.poll(() => page.url()).toMatch(new RegExp(`#/${screen}$`));
          await expect.poll(() => title(page)).toBe(TITLES[locale][screen]);
          expect(await page.getByTestId(`nav-${screen}`).getAttribute('aria-current')).toBe('page');
          if (screen === 'settings') {
            await page.getByTestId('about').waitFor();
          } else if (screen === 'data') {
            // Built: the datasets of a fresh home (data.test.ts goes further).
            await expect.poll(() => page.getByTestId('dataset-card').count()).toBe(2);
          } else if (screen === 'runs' || screen === 'evaluate' || screen === 'models' || screen === 'playground') {
            // Built: a fresh home has no runs and no models, and says so with a way to Train (runs.test.ts and models.test.ts go further).
            const none = page.getByTestId({ runs: 'no-runs', evaluate: 'nothing-to-evaluate', models: 'no-models', playground: 'no-playground-model' }[screen]);
            await none.waitFor();
            expect(await none.getByTestId('to-train').getAttribute('href')).toBe('#/train');
          }
          expect(await page.title()).toBe(`${TITLES[locale][screen]} · MNIST Studio`);
          if (locale === 'zh-CN') expect(await englishOn(page)).toEqual([]);
          await screenshot(page, `${locale}-${theme}-${screen}`);
        }
      }
    }
    expect(errors).toEqual([]);
    await setSettings({ language: 'en', theme: 'light' });
    await page.close();
  });

  it('is keyboard reachable: skip link, arrow keys in the side bar, Enter to open, arrows in a choice', async () => {
    await setSettings({ language: 'en', theme: 'light' });
    const { page, errors } = await openStudio();

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('skip-link');
    expect(await page.getByTestId('skip-link').isVisible()).toBe(true);
    await screenshot(page, 'en-light-skip-link');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    expect(page.url()).toMatch(/#\/data$/);

    await page.getByTestId('nav-data').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('nav-train');
    await page.keyboard.press('Enter');
    await expect.poll(() => title(page)).toBe('Train');
    expect(await focused(page)).toBe('nav-train');
    await page.keyboard.press('ArrowUp');
    expect(await focused(page)).toBe('nav-model');
    await page.keyboard.press('End');
    expect(await focused(page)).toBe('nav-settings');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('nav-data');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => title(page)).toBe('Settings');

    // Tab into the theme choice; arrows change it, as in a radio group.
    const choice = page.getByTestId('theme-choice');
    await choice.locator('[aria-checked="true"]').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => choice.locator('[aria-checked="true"]').getAttribute('data-value')).toBe('dark');
    await expect.poll(() => theme(page)).toBe('dark');
    expect(await page.locator(':focus').getAttribute('data-value')).toBe('dark');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => theme(page)).toBe('light');
    // A link reached by keyboard shows a focus ring.
    await page.getByTestId('nav-runs').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(`getComputedStyle(document.querySelector('[data-testid="nav-evaluate"]')).outlineStyle`)).toBe('solid');
    await screenshot(page, 'en-light-keyboard-focus');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('switches to Chinese from Settings, writes settings.json, and is still Chinese after a reload', async () => {
    await setSettings({ language: 'en', theme: 'light' });
    const { page, errors } = await openStudio();
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('language-choice').locator('[data-value="zh-CN"]').click();
    await expect.poll(() => title(page)).toBe('设置');
    expect(await page.getByTestId('nav-data').textContent()).toContain('数据');
    await expect.poll(() => savedSettings().language).toBe('zh-CN');

    await page.reload();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('已连接 · 网页模式');
    expect(await title(page)).toBe('设置');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await englishOn(page)).toEqual([]);

    // The side bar's quick toggle switches back.
    await page.getByTestId('quick-language').click();
    await expect.poll(() => title(page)).toBe('Settings');
    await expect.poll(() => savedSettings().language).toBe('en');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('switches the theme, remembers it, and follows the system while "System" is chosen', async () => {
    await setSettings({ language: 'en', theme: 'system' });
    const { page, errors } = await openStudio();
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');

    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => theme(page)).toBe('dark');
    const darkBackground = await background();
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => theme(page)).toBe('light');
    expect(await background()).not.toBe(darkBackground);

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('theme-choice').locator('[data-value="dark"]').click();
    await expect.poll(() => theme(page)).toBe('dark');
    await expect.poll(() => savedSettings().theme).toBe('dark');
    await page.reload();
    await expect.poll(() => theme(page)).toBe('dark');
    // A chosen theme no longer follows the system.
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await theme(page)).toBe('dark');

    await page.getByTestId('quick-theme').click();
    await expect.poll(() => theme(page)).toBe('light');
    await expect.poll(() => savedSettings().theme).toBe('light');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the download mirrors read-only: a web client may not change what the engine fetches (issue 13)', async () => {
    // Adding and removing mirrors is the desktop's (test/renderer/SettingsView.test.ts); the engine refuses it from a web client (test/main/web/capabilities.test.ts).
    await setSettings({ language: 'en', theme: 'light', mirrors: ['https://mirror.example.org/mnist/'] });
    const { page, errors } = await openStudio();
    await page.getByTestId('nav-settings').click();
    await expect.poll(() => page.getByTestId('mirrors').textContent()).toContain('https://mirror.example.org/mnist/');
    expect(await page.getByTestId('mirrors-read-only').textContent()).toMatch(/^Mirrors are set in the desktop app or with mnist-studio/);
    expect(await page.getByLabel('Mirror address').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Remove https://mirror.example.org/mnist/' }).count()).toBe(0);
    await page.locator('#main').evaluate((main) => main.scrollTo(0, main.scrollHeight));
    await screenshot(page, 'en-light-settings-mirrors-read-only');
    expect(savedSettings().mirrors).toEqual(['https://mirror.example.org/mnist/']);
    expect(errors).toEqual([]);
    await setSettings({ mirrors: [] });
    await page.close();
  });

  it('a corrupt settings.json: the page loads with the defaults and says the file was moved aside', async () => {
    await setSettings({ language: 'zh-CN', theme: 'dark' });
    const { page, errors } = await openStudio();
    expect(await theme(page)).toBe('dark');

    fs.writeFileSync(settingsFile, '{"language": "zh-CN", "theme": "da');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    const toast = page.getByTestId('toast');
    await toast.waitFor();
    expect(await toast.getAttribute('data-level')).toBe('warning');
    const moved = fs.readdirSync(home).filter((f) => f.startsWith('settings.json.corrupt-'));
    expect(moved).toHaveLength(1);
    expect(fs.readFileSync(path.join(home, moved[0]!), 'utf8')).toBe('{"language": "zh-CN", "theme": "da');
    const text = await toast.innerText();
    expect(text).toContain('Settings were reset');
    expect(text).toContain('it is not a valid JSON file');
    expect(text).toContain(path.join(home, moved[0]!));
    // The defaults: the browser's language (English here) and the system's theme (light, as emulated).
    expect(await title(page)).toBe('Data');
    expect(await theme(page)).toBe('light');
    await screenshot(page, 'en-light-notice-settings-reset');

    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => toast.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
