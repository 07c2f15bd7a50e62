import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { useNotify } from '../../src/renderer/src/composables/useNotify';
import { useStudioEvent } from '../../src/renderer/src/composables/useStudioEvent';
import { createStudioI18n } from '../../src/renderer/src/i18n';
import { cleanUp, mountStudio, settle, StudioDouble, type Mounted } from './harness';

let mounted: Mounted | null = null;

afterEach(() => {
  cleanUp(mounted);
  mounted = null;
  vi.useRealTimers();
});

const reset = {
  kind: 'notice' as const,
  level: 'warning' as const,
  id: 'settingsReset',
  values: { file: '/home/ada/settings.json.corrupt-2026', reason: 'invalid-value', field: 'theme', problem: 'theme: Invalid option' },
  message: 'Your settings could not be used (theme: Invalid option), so the defaults are in use.',
};

describe('toasts for notice events', () => {
  it('shows a notice from main translated, with the file as its detail, and follows a language switch', async () => {
    mounted = await mountStudio();
    const { wrapper, studio } = mounted;
    studio?.emit('notice', reset);
    await settle();
    const toast = wrapper.get('[data-testid="toast"]');
    expect(toast.attributes('data-level')).toBe('warning');
    expect(toast.get('.toast-title').text()).toBe('Settings were reset');
    expect(toast.get('.toast-body').text()).toBe(
      'Your settings file could not be used (the value of “theme” is not valid), so the defaults are in use. The old file is kept here:',
    );
    expect(toast.get('.toast-detail').text()).toBe('/home/ada/settings.json.corrupt-2026');

    await wrapper.get('[data-testid="quick-language"]').trigger('click');
    await settle();
    expect(wrapper.get('.toast-title').text()).toBe('设置已重置');
    expect(wrapper.get('.toast-body').text()).toBe('设置文件无法使用（“theme”的值无效），已改用默认设置。原文件保留在：');
  });

  it('shows a notice without an id by its message, titled by its level', async () => {
    mounted = await mountStudio();
    mounted.studio?.emit('notice', { kind: 'notice', level: 'info', message: 'Run 7 finished: 97.9 % test accuracy.' });
    await settle();
    const toast = mounted.wrapper.get('[data-testid="toast"]');
    expect(toast.get('.toast-title').text()).toBe('Note');
    expect(toast.get('.toast-body').text()).toBe('Run 7 finished: 97.9 % test accuracy.');
    expect(toast.attributes('role')).toBeUndefined();
  });

  it('a notice with an id this build has no words for falls back to its English message', async () => {
    mounted = await mountStudio();
    mounted.studio?.emit('notice', { kind: 'notice', level: 'error', id: 'somethingNew', message: 'A thing from a newer engine.' });
    await settle();
    const toast = mounted.wrapper.get('[data-testid="toast"]');
    expect(toast.get('.toast-title').text()).toBe('Error');
    expect(toast.get('.toast-body').text()).toBe('A thing from a newer engine.');
    expect(toast.attributes('role')).toBe('alert');
  });

  it('is dismissed with its button, and a warning goes away by itself after a while', async () => {
    mounted = await mountStudio();
    const { wrapper, studio } = mounted;
    // Only the toasts' own timers run on the fake clock (flushPromises uses setImmediate).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    studio?.emit('notice', reset);
    studio?.emit('notice', { ...reset, id: 'settingsUnusable', level: 'error' });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="toast"]')).toHaveLength(2);
    await wrapper.get('[data-testid="toast"][data-level="error"] button').trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-testid="toast"]').map((t) => t.attributes('data-level'))).toEqual(['warning']);
    vi.advanceTimersByTime(19_000);
    await flushPromises();
    expect(wrapper.findAll('[data-testid="toast"]')).toHaveLength(1);
    vi.advanceTimersByTime(2_000);
    await flushPromises();
    expect(wrapper.findAll('[data-testid="toast"]')).toHaveLength(0);
  });

  it('keeps at most five toasts, dropping the oldest', async () => {
    mounted = await mountStudio();
    for (let i = 1; i <= 7; i++) mounted.studio?.emit('notice', { kind: 'notice', level: 'error', message: `problem ${i}` });
    await settle();
    expect(mounted.wrapper.findAll('.toast-body').map((b) => b.text())).toEqual(['problem 3', 'problem 4', 'problem 5', 'problem 6', 'problem 7']);
  });

  it('stops listening when the app unmounts', async () => {
    const studio = new StudioDouble();
    mounted = await mountStudio({ studio });
    expect(studio.listenerCount('notice')).toBe(1);
    expect(studio.listenerCount('settings')).toBe(1);
    cleanUp(mounted);
    mounted = null;
    expect(studio.listenerCount('notice')).toBe(0);
    expect(studio.listenerCount('settings')).toBe(0);
  });
});

describe('useNotify and useStudioEvent', () => {
  it('useNotify pushes a toast anyone can raise; useStudioEvent listens only while its component is mounted', async () => {
    mounted = await mountStudio();
    const studio = mounted.studio!;
    const seen: string[] = [];
    const Probe = defineComponent({
      setup() {
        const { notify } = useNotify();
        useStudioEvent('notice', (n) => seen.push(n.message));
        return () => h('button', { onClick: () => notify({ level: 'success', title: { key: 'toast.levels.success' }, body: { text: 'Model saved.' } }) });
      },
    });
    const pinia = createPinia();
    setActivePinia(pinia);
    const probe = mount(Probe, { global: { plugins: [pinia, createStudioI18n('en')] } });
    await settle();
    expect(studio.listenerCount('notice')).toBe(2);
    studio.emit('notice', { kind: 'notice', level: 'info', message: 'hello' });
    expect(seen).toEqual(['hello']);
    await probe.get('button').trigger('click');
    const { useNoticesStore } = await import('../../src/renderer/src/stores/notices');
    expect(useNoticesStore(pinia).toasts.map((t) => t.body)).toEqual([{ text: 'Model saved.' }]);
    probe.unmount();
    expect(studio.listenerCount('notice')).toBe(1);
  });
});
