import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src/main/security-policy';
import {
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isAppUrl,
  isTrustedSender,
  secureWebPreferences,
  type AppOrigin,
  type HardenableSession,
} from '../../../src/main/electron/security';
import { ROOT } from '../../helpers/project';

const origin: AppOrigin = { devServerUrl: null };
const allowed = (url: string) => isAppUrl(url, origin);

/** Stands in for Electron's WebContents: only the handlers the hardening installs. */
class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }) {
    this.openHandler = handler;
  }
}

function navigation(url: string) {
  return { url, preventDefault: vi.fn() };
}

describe('window settings', () => {
  it('isolates and sandboxes every window, with no Node in the page', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('has a strict Content-Security-Policy, the same in the page as in the header', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    const html = fs.readFileSync(path.join(ROOT, 'src', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    // frame-ancestors is ignored in a meta tag, so only the header carries it.
    const headerWithoutFrameAncestors = CONTENT_SECURITY_POLICY.split('; ')
      .filter((d) => !d.startsWith('frame-ancestors'))
      .join('; ');
    expect(meta).toBe(headerWithoutFrameAncestors);
  });
});

describe('web contents hardening', () => {
  it('denies every new window and opens only allow-listed https links outside', () => {
    const contents = new FakeContents();
    const openExternal = vi.fn();
    hardenWebContents(contents, allowed, openExternal);
    expect(contents.openHandler?.({ url: 'https://evil.example/x' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'http://github.com/' })).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(contents.openHandler?.({ url: 'https://github.com/mnist-studio' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/mnist-studio');
  });

  it('prevents navigation and redirects away from the app, and <webview>', () => {
    const contents = new FakeContents();
    hardenWebContents(contents, allowed, () => {});
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const away = navigation('https://evil.example/');
      contents.emit(event, away);
      expect(away.preventDefault).toHaveBeenCalled();
      // file:// is no longer the app's origin, not even its own index.html.
      for (const file of ['file:///etc/passwd', 'file:///opt/MNIST%20Studio/out/renderer/index.html']) {
        const otherFile = navigation(file);
        contents.emit(event, otherFile);
        expect(otherFile.preventDefault).toHaveBeenCalled();
      }
      const inApp = navigation('app://studio/index.html#/train');
      contents.emit(event, inApp);
      expect(inApp.preventDefault).not.toHaveBeenCalled();
    }
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('accepts the dev server origin only when one is configured', () => {
    const dev: AppOrigin = { ...origin, devServerUrl: 'http://localhost:5173/' };
    expect(isAppUrl('http://localhost:5173/#/runs', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', origin)).toBe(false);
    expect(isAppUrl('not a url', origin)).toBe(false);
    expect(isAppUrl('app://studio/index.html', dev)).toBe(true);
  });

  it('accepts only the app:// origin’s page: no other host, port, credentials, scheme or file', () => {
    expect(isAppUrl('app://studio/index.html', origin)).toBe(true);
    expect(isAppUrl('app://studio/', origin)).toBe(true);
    expect(isAppUrl('app://studio/index.html?x=1#/models', origin)).toBe(true);
    for (const url of [
      'app://evil/index.html',
      'app://studio.evil.example/index.html',
      'app://studio:8080/index.html',
      'app://user@studio/index.html',
      'app://studio/assets/index.js',
      'apps://studio/index.html',
      'http://studio/index.html',
      'file:///opt/MNIST%20Studio/out/renderer/index.html',
    ]) {
      expect(isAppUrl(url, origin), url).toBe(false);
    }
  });
});

describe('session hardening', () => {
  it('refuses every permission and sets the CSP header on responses', () => {
    let request: Parameters<HardenableSession['setPermissionRequestHandler']>[0] | null = null;
    let check: Parameters<HardenableSession['setPermissionCheckHandler']>[0] | null = null;
    let headers: Parameters<HardenableSession['webRequest']['onHeadersReceived']>[0] | null = null;
    hardenSession({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
      webRequest: { onHeadersReceived: (l) => (headers = l) },
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      request!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(check!({}, permission)).toBe(false);
    }
    const reply = vi.fn();
    headers!({ responseHeaders: { 'X-Other': ['1'] } }, reply);
    expect(reply).toHaveBeenCalledWith({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
});

describe('IPC sender check', () => {
  const own = new Set([7]);
  const appUrl = 'app://studio/index.html#/train';
  it('answers only the main frame of the app’s own window showing the app', () => {
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: appUrl, parent: null } }, own, allowed)).toBe(true);
    expect(isTrustedSender({ sender: { id: 8 }, senderFrame: { url: appUrl, parent: null } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: appUrl, parent: {} } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example/', parent: null } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'file:///opt/MNIST%20Studio/out/renderer/index.html', parent: null } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'app://other/index.html', parent: null } }, own, allowed)).toBe(false);
  });
});

describe('external links', () => {
  it('opens only https URLs on the allow-list', () => {
    expect(isAllowedExternalUrl('https://github.com/x')).toBe(true);
    expect(isAllowedExternalUrl('http://github.com/x')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
  });
});

describe('the built main bundle', () => {
  it('applies the hardening to every window and session', () => {
    const bundle = path.join(ROOT, 'out', 'main', 'index.js');
    expect(fs.existsSync(bundle), 'run npm run build first').toBe(true);
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code).toContain('app.enableSandbox()');
    expect(code).toMatch(/webPreferences: \{\s*\.\.\.secureWebPreferences\(/);
    expect(code).toMatch(/app\.on\("web-contents-created"[\s\S]{0,200}hardenWebContents\(/);
    expect(code).toContain('hardenSession(session.defaultSession)');
    expect(code).toMatch(/isTrustedSender\(event, ownContents, allowed\)/);
    // The page comes from app://, registered privileged before ready and served only from out/renderer; never loadFile.
    expect(code).toMatch(/protocol\.registerSchemesAsPrivileged\(\[APP_SCHEME_PRIVILEGES\]\)[\s\S]*app\.whenReady\(\)/);
    expect(code).toMatch(/protocol\.handle\("app", \(request\) => appProtocolResponse\(request, rendererDir\)\)/);
    expect(code).toMatch(/win\.loadURL\(origin\.devServerUrl\);\s*else win\.loadURL\(APP_INDEX_URL\);/);
    expect(code).not.toMatch(/\.loadFile\(/);
    // The dev server only through devServerUrl, which ignores it in a packaged app.
    expect(code.match(/ELECTRON_RENDERER_URL/g)).toHaveLength(1);
    expect(code).toMatch(/devServerUrl\(\{\s*isPackaged: app\.isPackaged,\s*argv: process\.argv,\s*rendererUrl: process\.env\.ELECTRON_RENDERER_URL\s*\}\)/);
    expect(code).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false/);
  });

  it('restates the window’s security settings as literals that agree with secureWebPreferences', () => {
    const code = fs.readFileSync(path.join(ROOT, 'out', 'main', 'index.js'), 'utf8');
    const windows = code.match(/new BrowserWindow\(/g) ?? [];
    expect(windows).toHaveLength(1);
    const literal = /webPreferences: \{\s*\.\.\.secureWebPreferences\([^)]*\)\),([^}]*)\}/.exec(code)?.[1];
    expect(literal, 'the BrowserWindow’s webPreferences literal').toBeDefined();
    const restated = Object.fromEntries([...literal!.matchAll(/(\w+): ([^,\n]+)/g)].map(([, key, value]) => [key, JSON.parse(value!.trim()) as unknown]));
    expect(Object.keys(restated).sort()).toEqual(['contextIsolation', 'disableBlinkFeatures', 'nodeIntegration', 'sandbox']);
    expect(secureWebPreferences('/p')).toMatchObject(restated);
  });

  it('opens external links only through the allow-list, and weakens nothing anywhere in out/main and out/preload', () => {
    const files = ['main', 'preload'].flatMap((dir) =>
      fs.readdirSync(path.join(ROOT, 'out', dir), { recursive: true, encoding: 'utf8' }).map((f) => path.join(ROOT, 'out', dir, f)),
    );
    const code = files
      .filter((f) => /\.c?js$/.test(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const opens = code.match(/\.openExternal\(/g) ?? [];
    const guarded = code.match(/if \(isAllowedExternalUrl\(url\)\) shell\.openExternal\(url\)/g) ?? [];
    expect(opens.length).toBeGreaterThan(0);
    expect(guarded.length).toBe(opens.length);
    expect(code).not.toMatch(
      /webSecurity:\s*false|allowRunningInsecureContent:\s*true|experimentalFeatures:\s*true|webviewTag:\s*true|enableRemoteModule|nodeIntegrationIn\w+:\s*true/,
    );
    expect(code).toContain('setPermissionRequestHandler(');
    expect(code).toMatch(/contents\.on\("will-navigate", guard\)/);
    expect(code).toMatch(/setWindowOpenHandler\(\(\{ url \}\) => \{[\s\S]{0,120}return \{ action: "deny" \}/);
    // The preload hands the page one object, never ipcRenderer itself.
    const preload = fs.readFileSync(path.join(ROOT, 'out', 'preload', 'index.cjs'), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\("studio", buildStudioClient\(electron\.ipcRenderer\)\)|exposeInMainWorld\("studio", buildStudioClient\(ipcRenderer\)\)/);
  });

  it('ships a renderer whose page has the CSP, no inline script and nothing from another origin', () => {
    const html = fs.readFileSync(path.join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(
      CONTENT_SECURITY_POLICY.split('; ')
        .filter((d) => !d.startsWith('frame-ancestors'))
        .join('; '),
    );
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\ssrc="\.\/assets\/[\w.-]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = fs.readdirSync(path.join(ROOT, 'out', 'renderer', 'assets')).filter((f) => f.endsWith('.js'));
    // The one string-to-code site is zod's probe, which jitless zod (set before any schema is built) skips, so the CSP reports nothing.
    const evals: string[] = [];
    for (const asset of assets) {
      const text = fs.readFileSync(path.join(ROOT, 'out', 'renderer', 'assets', asset), 'utf8');
      for (const m of text.matchAll(/\beval\(|new Function\(/g)) evals.push(text.slice(Math.max(0, m.index - 300), m.index));
    }
    for (const before of evals) expect(before).toMatch(/if \(globalConfig\.jitless\) return false;/);
    // Jitless before any schema is built: the setting lives in the chunk that holds zod itself, which imports nothing,
    // so every chunk that builds a schema (it imports zod's factories from there) runs after it.
    const zodChunks = assets.filter((asset) => fs.readFileSync(path.join(ROOT, 'out', 'renderer', 'assets', asset), 'utf8').includes('config({ jitless: true })'));
    expect(zodChunks).toHaveLength(1);
    const zodCode = fs.readFileSync(path.join(ROOT, 'out', 'renderer', 'assets', zodChunks[0]!), 'utf8');
    expect(zodCode).toMatch(/\bglobalConfig\b/);
    expect(zodCode).not.toMatch(/^import\b/m);
    expect(zodCode.slice(0, zodCode.indexOf('config({ jitless: true })'))).not.toMatch(/^(var|const|let) \w+ = (object|strictObject|string|number|union|array)\(/m);
  });
});
