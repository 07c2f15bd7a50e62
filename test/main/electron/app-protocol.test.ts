import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, appProtocolResponse, devServerUrl } from '../../../src/main/electron/app-protocol';
import { APP_INDEX_URL } from '../../../src/main/electron/security';
import { CONTENT_SECURITY_POLICY } from '../../../src/main/security-policy';
import { tmpDir } from '../../helpers/tmp';

/** A stand-in renderer build beside files it must never serve: a secret next to it, one reached by a symbolic link. */
function renderer() {
  const dir = tmpDir('mnist-studio-app-protocol-');
  const root = path.join(dir, 'out', 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>studio</title>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'assets', 'inter.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  fs.writeFileSync(path.join(root, 'assets', 'logo.svg'), '<svg/>');
  fs.writeFileSync(path.join(dir, 'out', 'secret.txt'), 'do not serve');
  fs.symlinkSync(path.join(dir, 'out', 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  return root;
}

const get = (url: string, root: string, method = 'GET') => appProtocolResponse({ url, method }, root);

describe('the app:// protocol', () => {
  it('registers app as a standard, secure scheme with fetch', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
    expect(APP_INDEX_URL).toBe('app://studio/index.html');
  });

  it('serves index.html and the assets with their types, the CSP and nosniff', async () => {
    const root = renderer();
    for (const [url, type, body] of [
      ['app://studio/index.html', 'text/html; charset=utf-8', '<!doctype html><title>studio</title>'],
      ['app://studio/', 'text/html; charset=utf-8', '<!doctype html><title>studio</title>'],
      ['app://studio/assets/index-abc.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['app://studio/assets/index-abc.css', 'text/css; charset=utf-8', 'body{}'],
      ['app://studio/assets/logo.svg', 'image/svg+xml', '<svg/>'],
      ['app://studio/assets/inter.woff2', 'font/woff2', 'wOF2'],
      ['app://studio/index.html#/models?x=1', 'text/html; charset=utf-8', '<!doctype html><title>studio</title>'],
    ] as const) {
      const res = await get(url, root);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toBe(type);
      expect(res.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(await res.text(), url).toBe(body);
    }
    const head = await get('app://studio/index.html', root, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses traversal, plain or encoded, absolute paths, symbolic links out, folders and other hosts', async () => {
    const root = renderer();
    const secret = path.join(path.dirname(root), 'secret.txt');
    for (const url of [
      'app://x/../../etc/passwd',
      'app://studio/../../etc/passwd',
      'app://studio/../secret.txt',
      'app://studio/%2e%2e/secret.txt',
      'app://studio/%2E%2E/%2E%2E/etc/passwd',
      'app://studio/assets/..%2f..%2fsecret.txt',
      'app://studio/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://studio/..%5c..%5csecret.txt',
      'app://studio/%252e%252e/secret.txt',
      `app://studio/${encodeURIComponent(secret)}`,
      `app://studio/${secret}`,
      'app://studio//etc/passwd',
      'app://studio/%2fetc%2fpasswd',
      'app://studio/index.html%00.js',
      'app://studio/%E0%A4%A',
      'app://studio/assets/link.txt',
      'app://studio/assets',
      'app://studio/assets/',
      'app://studio/missing.js',
      'app://other/index.html',
      'app://studio:1234/index.html',
      'app://user@studio/index.html',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const res = await get(url, root);
      expect(res.status, url).toBe(404);
      const body = await res.text();
      expect(body, url).not.toContain('do not serve');
      expect(body, url).not.toContain('root:');
      expect(res.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('answers only GET and HEAD', async () => {
    const root = renderer();
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await get('app://studio/index.html', root, method)).status).toBe(405);
  });
});

describe('the dev server URL (npm run dev)', () => {
  const dev = { isPackaged: false, argv: ['electron', '.', '--dev'], rendererUrl: 'http://localhost:5173/' };

  it('is used in an unpackaged app started with --dev', () => {
    expect(devServerUrl(dev)).toBe('http://localhost:5173/');
    expect(devServerUrl({ ...dev, rendererUrl: 'http://127.0.0.1:5174' })).toBe('http://127.0.0.1:5174/');
  });

  it('is ignored in a packaged app, whatever the environment says', () => {
    expect(devServerUrl({ ...dev, isPackaged: true })).toBeNull();
  });

  it('is ignored without the explicit --dev flag, without a URL, or for anything but http on this machine', () => {
    expect(devServerUrl({ ...dev, argv: ['electron', '.'] })).toBeNull();
    expect(devServerUrl({ ...dev, rendererUrl: undefined })).toBeNull();
    for (const rendererUrl of [
      'https://evil.example/',
      'http://evil.example:5173/',
      'http://user:pw@localhost:5173/',
      'file:///tmp/index.html',
      'javascript:alert(1)',
      'nonsense',
    ]) {
      expect(devServerUrl({ ...dev, rendererUrl }), rendererUrl).toBeNull();
    }
  });
});
