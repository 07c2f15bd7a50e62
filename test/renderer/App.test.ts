import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudioClient } from '../../src/shared/api';
import type { AppInfo } from '../../src/shared/app-info';
import App from '../../src/renderer/src/App.vue';
import { resetStudioClient } from '../../src/renderer/src/composables/useStudio';

const info: AppInfo = {
  name: 'mnist-studio',
  productName: 'MNIST Studio',
  version: '9.9.9',
  shell: 'electron',
  versions: { node: '22', electron: '45', chrome: '140', v8: '14' },
  platform: 'linux',
  arch: 'x64',
  cpus: 2,
  home: '/home/ada/.config/MNIST Studio',
};

afterEach(() => {
  delete window.studio;
  resetStudioClient();
});

describe('App (placeholder screen)', () => {
  it('shows the engine it is connected to', async () => {
    window.studio = { app: { info: async () => ({ ok: true, value: info }) }, on: () => () => {} } as unknown as StudioClient;
    const wrapper = mount(App);
    await flushPromises();
    expect(wrapper.get('[data-testid="status"]').text()).toBe('Connected · desktop app');
    expect(wrapper.text()).toContain('MNIST Studio 9.9.9');
    expect(wrapper.text()).toContain('/home/ada/.config/MNIST Studio');
    expect(wrapper.find('canvas').exists()).toBe(true);
  });

  it('shows the error message when the engine answers with one', async () => {
    window.studio = {
      app: { info: async () => ({ ok: false, error: { code: 'INTERNAL', message: 'app:info failed: disk on fire' } }) },
      on: () => () => {},
    } as unknown as StudioClient;
    const wrapper = mount(App);
    await flushPromises();
    expect(wrapper.get('[data-testid="status"]').text()).toBe('app:info failed: disk on fire');
  });

  it('says so when no engine is reachable', async () => {
    const wrapper = mount(App);
    await flushPromises();
    expect(wrapper.get('[data-testid="status"]').text()).toBe('Not connected to a studio engine.');
  });
});
