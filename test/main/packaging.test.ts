import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import asar from '@electron/asar';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/project';
import { tmpDir } from '../helpers/tmp';

const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'electron-builder.json'), 'utf8')) as {
  productName: string;
  asarUnpack: string[];
  files: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  win: { target: string[] };
  mac: { target: string[] };
};

/** @electron/fuses' marker in an Electron binary; the fuse wire follows it: version, length, then one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** The fuses in wire order (FuseV1Options), as Electron 45 ships them: '1' on, '0' off. */
const FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
];
const ELECTRON_DEFAULT_FUSES = '10110001';

function readFuses(binary: string): Record<string, boolean> {
  const bytes = fs.readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  expect(bytes[at], 'fuse wire version').toBe(1);
  const wire = bytes.subarray(at + 2, at + 2 + bytes[at + 1]!).toString('latin1');
  return Object.fromEntries(FUSES.map((name, i) => [name, wire[i] === '1']));
}

describe('electron-builder configuration', () => {
  it('sets the Electron fuses: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect, the app only from its checked asar, cookies encrypted, no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // Every key is one electron-builder 26 knows (its schema refuses others only at build time).
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
    };
    for (const key of Object.keys(config.electronFuses)) expect(Object.keys(schema.definitions.FuseOptionsV1.properties)).toContain(key);
  });

  it('targets AppImage and deb, NSIS and dmg, with the app icon', () => {
    expect(config.productName).toBe('MNIST Studio');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(fs.existsSync(path.join(ROOT, config.linux.icon))).toBe(true);
    // tfjs-node's N-API addon runs in Electron as built; a rebuild would need libtensorflow headers.
    expect(config.npmRebuild).toBe(false);
  });

  // electron-builder downloads Electron, which cannot happen here; with
  // electronDist pointing at a stand-in folder the rest of its pipeline runs
  // for real, and the packed app can be inspected.
  it('packs the app with tfjs-node’s native files outside the asar and nothing it does not need', () => {
    const work = tmpDir('mnist-studio-pack-');
    const electronDist = path.join(work, 'electron');
    fs.mkdirSync(electronDist);
    // A stand-in binary with Electron's fuse wire, so electron-builder flips the fuses in it as in a real one.
    fs.writeFileSync(path.join(electronDist, 'electron'), `#!/bin/sh\nexit 0\n${FUSE_SENTINEL}\x01\x08${ELECTRON_DEFAULT_FUSES}\n`, { mode: 0o755, encoding: 'latin1' });
    fs.writeFileSync(path.join(electronDist, 'LICENSE'), 'MIT');
    const out = path.join(work, 'dist');
    const res = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'electron-builder'),
      ['--linux', 'dir', `-c.electronDist=${electronDist}`, '-c.electronVersion=45.5.0', `-c.directories.output=${out}`],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
    );
    expect(res.status, res.stderr + res.stdout).toBe(0);
    const binary = fs
      .readdirSync(path.join(out, 'linux-unpacked'))
      .find((f) => fs.statSync(path.join(out, 'linux-unpacked', f)).isFile() && fs.readFileSync(path.join(out, 'linux-unpacked', f)).includes(FUSE_SENTINEL));
    expect(binary, 'the packed Electron binary').toBeDefined();
    expect(readFuses(path.join(out, 'linux-unpacked', binary!))).toEqual({ ...config.electronFuses, loadBrowserProcessSpecificV8Snapshot: false });
    const resources = path.join(out, 'linux-unpacked', 'resources');
    const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-node');
    expect(fs.readdirSync(path.join(unpacked, 'lib')).some((d) => fs.existsSync(path.join(unpacked, 'lib', d, 'tfjs_binding.node')))).toBe(true);
    expect(fs.existsSync(path.join(unpacked, 'deps', 'lib', 'libtensorflow_framework.so.2'))).toBe(true);
    expect(fs.existsSync(path.join(unpacked, 'deps', 'include'))).toBe(false);

    const files = asar.listPackage(path.join(resources, 'app.asar'), { isPack: false });
    expect(files).toContain(`${path.sep}out${path.sep}main${path.sep}index.js`);
    expect(files).toContain(`${path.sep}out${path.sep}preload${path.sep}index.cjs`);
    expect(files).toContain(`${path.sep}out${path.sep}renderer${path.sep}index.html`);
    for (const devOnly of ['vitest', 'electron-vite', 'playwright-core', 'typescript', 'src']) {
      expect(files.some((f) => f.startsWith(`${path.sep}node_modules${path.sep}${devOnly}${path.sep}`) || f.startsWith(`${path.sep}${devOnly}${path.sep}`))).toBe(false);
    }
    expect(files.some((f) => f.endsWith('.map'))).toBe(false);
  }, 300_000);
});
