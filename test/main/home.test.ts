import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHome } from '../../src/main/home';

describe('resolveHome', () => {
  it('uses --home over the environment variable over the platform folder', () => {
    const env = { MNIST_STUDIO_HOME: '/from/env' };
    expect(resolveHome({ home: 'rel/dir', env })).toBe(path.resolve('rel/dir'));
    expect(resolveHome({ env })).toBe('/from/env');
  });

  it('matches Electron userData for the product name on each platform', () => {
    expect(resolveHome({ env: {}, platform: 'linux', homedir: '/home/ada' })).toBe('/home/ada/.config/MNIST Studio');
    expect(resolveHome({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', homedir: '/home/ada' })).toBe('/xdg/MNIST Studio');
    expect(resolveHome({ env: {}, platform: 'darwin', homedir: '/Users/ada' })).toBe('/Users/ada/Library/Application Support/MNIST Studio');
  });
});
