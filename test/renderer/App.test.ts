import { afterEach, describe, expect, it } from 'vitest';
import en from '../../src/renderer/src/i18n/en';
import zhCN from '../../src/renderer/src/i18n/zh-CN';
import { SCREENS } from '../../src/renderer/src/screens';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';

/** The part of happy-dom's window that emulates the system's colour scheme. */
interface HappyDomWindow {
  happyDOM: { settings: { device: { prefersColorScheme: string } } };
}

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

const navIds = [...SCREENS.map((s) => s.id), 'settings'];

describe('the app shell', () => {
  it('opens on the Data screen, with a side bar reaching all ten screens and the engine it is connected to', async () => {
    mounted = await mountStudio();
    const { wrapper, router } = mounted;
    expect(router.currentRoute.value.path).toBe('/data');
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('Data');
    expect(wrapper.get('nav').attributes('aria-label')).toBe('Screens');
    const links = wrapper.findAll('a[data-nav]');
    expect(links.map((l) => l.text())).toEqual(['Data', 'Model', 'Train', 'Runs', 'Evaluate', 'Playground', 'Write', 'Models', 'Sweeps', 'Settings']);
    expect(links.map((l) => l.attributes('href'))).toEqual(navIds.map((id) => `/${id}`));
    expect(wrapper.get('[data-testid="status"]').text()).toBe('Connected · desktop app');
    expect(document.title).toBe('Data · MNIST Studio');
  });

  it('says so when no engine is reachable, and still shows every screen', async () => {
    mounted = await mountStudio({ studio: null });
    // Served over HTTP with no engine client: the link lacked its token, and the status line says so.
    expect(mounted.wrapper.get('[data-testid="status"]').text()).toBe('This link is missing its token: open the full address mnist-studio serve printed.');
    expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('Data');
  });

  it('opens a screen from its side bar link and marks the link as the current page', async () => {
    mounted = await mountStudio();
    const { wrapper, router } = mounted;
    await wrapper.get('[data-testid="nav-evaluate"]').trigger('click');
    await settle();
    expect(router.currentRoute.value.path).toBe('/evaluate');
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('Evaluate');
    expect(wrapper.get('[data-testid="nav-evaluate"]').attributes('aria-current')).toBe('page');
    expect(wrapper.get('[data-testid="nav-data"]').attributes('aria-current')).toBeUndefined();
  });

  it('moves focus through the side bar with the arrow keys, Home and End, wrapping at the ends', async () => {
    mounted = await mountStudio();
    const { wrapper } = mounted;
    const focused = () => document.activeElement?.getAttribute('data-testid');
    const press = async (key: string) => {
      await wrapper.get('nav').trigger('keydown', { key });
    };
    (wrapper.get('[data-testid="nav-data"]').element as HTMLElement).focus();
    await press('ArrowDown');
    expect(focused()).toBe('nav-model');
    await press('ArrowUp');
    await press('ArrowUp');
    expect(focused()).toBe('nav-settings');
    await press('Home');
    expect(focused()).toBe('nav-data');
    await press('End');
    expect(focused()).toBe('nav-settings');
    await press('ArrowDown');
    expect(focused()).toBe('nav-data');
  });

  it('skips to the content without changing the route', async () => {
    mounted = await mountStudio({ path: '/runs' });
    const { wrapper, router } = mounted;
    await wrapper.get('[data-testid="skip-link"]').trigger('click');
    expect(document.activeElement?.id).toBe('main');
    expect(router.currentRoute.value.path).toBe('/runs');
  });

  it('sends an unknown address to the Data screen', async () => {
    mounted = await mountStudio({ path: '/no/such/screen' });
    expect(mounted.router.currentRoute.value.path).toBe('/data');
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`the Models and Playground screens of a fresh home say there is no model yet, with a way to Train (${locale})`, async () => {
      const studio = new StudioDouble({ language: locale })
        .respond('models:list', () => [])
        .respond('runs:list', () => [])
        .respond('train:status', () => ({ runId: null, state: 'idle', epoch: 0, epochs: 0, step: 0, stepsPerEpoch: 0 }));
      mounted = await mountStudio({ studio });
      const { wrapper, router } = mounted;
      const messages = locale === 'en' ? en : zhCN;
      for (const [screen, testId] of [
        ['models', 'no-models'],
        ['playground', 'no-playground-model'],
      ] as const) {
        await router.push(`/${screen}`);
        await settle();
        expect(wrapper.get('[data-testid="screen-title"]').text()).toBe(messages.screens[screen].title);
        const empty = wrapper.get(`[data-testid="${testId}"]`);
        expect(empty.get('h2').text()).toBe(messages[screen].empty.title);
        expect(empty.get('[data-testid="to-train"]').attributes('href')).toBe('/train');
        expect(wrapper.find('table').exists()).toBe(false);
        expect(wrapper.find('canvas').exists()).toBe(false);
      }
    });
  }
});

describe('language', () => {
  it('starts in the language the settings hold', async () => {
    mounted = await mountStudio({ studio: new StudioDouble({ language: 'zh-CN' }) });
    expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('数据');
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(document.title).toBe('数据 · MNIST Studio');
  });

  it('switches from the side bar and saves the choice', async () => {
    mounted = await mountStudio();
    const { wrapper, studio } = mounted;
    const toggle = wrapper.get('[data-testid="quick-language"]');
    expect(toggle.text()).toBe('简体中文');
    expect(toggle.attributes('aria-label')).toBe('Switch the language to 简体中文');
    await toggle.trigger('click');
    await settle();
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('数据');
    expect(wrapper.get('[data-testid="quick-language"]').text()).toBe('English');
    expect(studio?.settings.language).toBe('zh-CN');
  });

  it("follows the browser's languages while 'system' is chosen, live", async () => {
    const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'languages');
    const languages = (list: string[]) => Object.defineProperty(navigator, 'languages', { value: list, configurable: true });
    try {
      languages(['zh-TW', 'en']);
      mounted = await mountStudio({ studio: new StudioDouble({ language: 'system' }) });
      expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('数据');
      languages(['de-DE', 'en-GB']);
      window.dispatchEvent(new Event('languagechange'));
      await settle();
      expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('Data');
      languages(['fr-FR']);
      window.dispatchEvent(new Event('languagechange'));
      await settle();
      expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('Data');
    } finally {
      delete (navigator as unknown as Record<string, unknown>).languages;
      if (original) Object.defineProperty(Navigator.prototype, 'languages', original);
    }
  });

  it('follows a change made in another window', async () => {
    mounted = await mountStudio();
    mounted.studio?.emit('settings', { kind: 'changed', settings: { ...mounted.studio.settings, language: 'zh-CN' } });
    await settle();
    expect(mounted.wrapper.get('[data-testid="screen-title"]').text()).toBe('数据');
  });
});

describe('theme', () => {
  const prefersDark = async (dark: boolean) => {
    (window as unknown as HappyDomWindow).happyDOM.settings.device.prefersColorScheme = dark ? 'dark' : 'light';
    // happy-dom re-evaluates media queries on resize.
    window.dispatchEvent(new Event('resize'));
    await settle();
  };

  afterEach(() => prefersDark(false));

  it("follows the system's light or dark mode while 'system' is chosen, live", async () => {
    mounted = await mountStudio();
    expect(document.documentElement.dataset.theme).toBe('light');
    await prefersDark(true);
    expect(document.documentElement.dataset.theme).toBe('dark');
    await prefersDark(false);
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('keeps a chosen theme whatever the system does, and the side bar toggle flips and saves it', async () => {
    mounted = await mountStudio({ studio: new StudioDouble({ theme: 'dark' }) });
    const { wrapper, studio } = mounted;
    expect(document.documentElement.dataset.theme).toBe('dark');
    await prefersDark(false);
    expect(document.documentElement.dataset.theme).toBe('dark');
    const toggle = wrapper.get('[data-testid="quick-theme"]');
    expect(toggle.attributes('aria-label')).toBe('Switch to the light theme');
    await toggle.trigger('click');
    await settle();
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(studio?.settings.theme).toBe('light');
    expect(wrapper.get('[data-testid="quick-theme"]').attributes('aria-label')).toBe('Switch to the dark theme');
  });

  it('puts the theme back and says so when the settings cannot be saved', async () => {
    const studio = new StudioDouble({ theme: 'light' });
    studio.failUpdates = 'IO';
    mounted = await mountStudio({ studio });
    await mounted.wrapper.get('[data-testid="quick-theme"]').trigger('click');
    await settle();
    expect(document.documentElement.dataset.theme).toBe('light');
    const toast = mounted.wrapper.get('[data-testid="toast"]');
    expect(toast.attributes('role')).toBe('alert');
    expect(toast.text()).toContain('Settings not saved');
    expect(toast.text()).toContain('A file could not be read or written.');
    expect(toast.text()).toContain('EROFS');
  });
});
