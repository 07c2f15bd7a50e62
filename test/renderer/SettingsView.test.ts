import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, INFO, mountStudio, settle, StudioDouble, type Mounted } from './harness';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
});

async function openSettings(studio = new StudioDouble()): Promise<Mounted> {
  mounted = await mountStudio({ studio, path: '/settings' });
  return mounted;
}

describe('the Settings screen', () => {
  it('changes the theme and the language with radio groups, arrow keys included, and saves each change', async () => {
    const { wrapper, studio } = await openSettings();
    const theme = wrapper.get('[data-testid="theme-choice"]');
    expect(theme.attributes('role')).toBe('radiogroup');
    expect(theme.attributes('aria-label')).toBe('Theme');
    expect(theme.findAll('[role="radio"]').map((r) => [r.text(), r.attributes('aria-checked'), r.attributes('tabindex')])).toEqual([
      ['System', 'true', '0'],
      ['Light', 'false', '-1'],
      ['Dark', 'false', '-1'],
    ]);
    await theme.get('[data-value="dark"]').trigger('click');
    await settle();
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(studio?.settings.theme).toBe('dark');

    await theme.get('[data-value="dark"]').trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(studio?.settings.theme).toBe('system');
    expect(document.activeElement?.getAttribute('data-value')).toBe('system');

    const language = wrapper.get('[data-testid="language-choice"]');
    // Each language is named in itself, whatever the UI language.
    expect(language.findAll('[role="radio"]').map((r) => r.text())).toEqual(['System', 'English', '简体中文']);
    expect(language.get('[data-value="zh-CN"]').attributes('lang')).toBe('zh-CN');
    await language.get('[data-value="zh-CN"]').trigger('click');
    await settle();
    expect(wrapper.get('[data-testid="screen-title"]').text()).toBe('设置');
    expect(studio?.updates()).toEqual([{ theme: 'dark' }, { theme: 'system' }, { language: 'zh-CN' }]);
  });

  it('adds a mirror, normalised, and removes it', async () => {
    const { wrapper, studio } = await openSettings();
    expect(wrapper.text()).toContain('No mirrors: data sets come from the official hosts.');
    await wrapper.get('#mirror-url').setValue('  https://mirror.example.org/mnist ');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(studio?.settings.mirrors).toEqual(['https://mirror.example.org/mnist/']);
    expect(wrapper.get('[data-testid="mirrors"]').text()).toContain('https://mirror.example.org/mnist/');
    expect((wrapper.get('#mirror-url').element as HTMLInputElement).value).toBe('');

    await wrapper.get('button[aria-label="Remove https://mirror.example.org/mnist/"]').trigger('click');
    await settle();
    expect(studio?.settings.mirrors).toEqual([]);
    expect(wrapper.find('[data-testid="mirrors"]').exists()).toBe(false);
  });

  const refused: [string, string, string][] = [
    ['', 'Enter an address.', 'en'],
    ['mirror.example.org', 'This is not a web address. It should look like https://mirror.example.org/mnist/.', 'en'],
    ['ftp://mirror.example.org/', 'The address must start with http:// or https://.', 'en'],
    ['https://ann:pw@mirror.example.org/', 'The address must not contain a user name or password.', 'en'],
    ['https://mirror.example.org/?token=1', 'The address must not contain ? or #: file names are added to its end.', 'en'],
    ['https://existing.example/', 'This mirror is already in the list.', 'en'],
    ['ftp://mirror.example.org/', '地址必须以 http:// 或 https:// 开头。', 'zh-CN'],
  ];

  for (const [url, message, language] of refused) {
    it(`refuses "${url}" beside the field, in ${language}, and saves nothing`, async () => {
      const studio = new StudioDouble({ mirrors: ['https://existing.example/'], language: language as 'en' | 'zh-CN' });
      const { wrapper } = await openSettings(studio);
      await wrapper.get('#mirror-url').setValue(url);
      await wrapper.get('form').trigger('submit');
      await settle();
      const problem = wrapper.get('[data-testid="mirror-problem"]');
      expect(problem.text()).toBe(message);
      expect(problem.attributes('role')).toBe('alert');
      expect(wrapper.get('#mirror-url').attributes('aria-invalid')).toBe('true');
      expect(wrapper.get('#mirror-url').attributes('aria-describedby')).toBe('mirror-problem');
      expect(studio.updates()).toEqual([]);
      // Typing again clears the message.
      await wrapper.get('#mirror-url').setValue(`${url}x`);
      expect(wrapper.find('[data-testid="mirror-problem"]').exists()).toBe(false);
    });
  }

  it('in web mode shows the mirrors read-only: a browser may not change what the engine fetches', async () => {
    const studio = new StudioDouble({ mirrors: ['https://mirror.example.org/mnist/'] });
    studio.info = { ...studio.info, shell: 'web' };
    const { wrapper } = await openSettings(studio);
    expect(wrapper.get('[data-testid="mirrors"]').text()).toContain('https://mirror.example.org/mnist/');
    expect(wrapper.find('#mirror-url').exists()).toBe(false);
    expect(wrapper.find('button[aria-label="Remove https://mirror.example.org/mnist/"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="mirrors-read-only"]').text()).toMatch(/^Mirrors are set in the desktop app or with mnist-studio/);
    expect(studio.updates()).toEqual([]);
  });

  it('refuses a seventeenth mirror', async () => {
    const mirrors = Array.from({ length: 16 }, (_, i) => `https://m${i}.example/`);
    const studio = new StudioDouble({ mirrors });
    const { wrapper } = await openSettings(studio);
    await wrapper.get('#mirror-url').setValue('https://one-more.example/');
    await wrapper.get('form').trigger('submit');
    await settle();
    expect(wrapper.get('[data-testid="mirror-problem"]').text()).toBe('There can be at most 16 mirrors.');
    expect(studio.updates()).toEqual([]);
  });

  it('tells what it runs on and where the studio home is', async () => {
    const { wrapper } = await openSettings();
    const about = wrapper.get('[data-testid="about"]');
    expect(about.text()).toContain('MNIST Studio 9.9.9');
    expect(about.text()).toContain('Desktop app');
    expect(about.text()).toContain('linux-x64 · 2 CPU threads');
    expect(about.text()).toContain('Node.js 22.1.0 · Electron 45.5.0 · Chromium 140.0.1');
    expect(about.text()).toContain(INFO.home);
  });

  it('without an engine, says there is nothing to tell', async () => {
    mounted = await mountStudio({ studio: null, path: '/settings' });
    expect(mounted.wrapper.find('[data-testid="about"]').exists()).toBe(false);
    expect(mounted.wrapper.text()).toContain('Not connected to a studio engine, so there is nothing to show.');
  });
});
