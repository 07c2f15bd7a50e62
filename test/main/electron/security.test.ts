import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isAppUrl,
  isTrustedSender,
  secureWebPreferences,
  type AppOrigin,
  type HardenableContents,
  type HardenableSession,
} from '../../../src/main/electron/security';
import { ROOT } from '../../helpers/project';

const origin: AppOrigin = { indexFileUrl: 'file:///opt/MNIST%20Studio/out/renderer/index.html', devServerUrl: null };
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
    hardenWebContents(contents as unknown as HardenableContents, allowed, openExternal);
    expect(contents.openHandler?.({ url: 'https://evil.example/x' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'http://github.com/' })).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(contents.openHandler?.({ url: 'https://github.com/mnist-studio' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/mnist-studio');
  });

  it('prevents navigation and redirects away from the app, and <webview>', () => {
    const contents = new FakeContents();
    hardenWebContents(contents as unknown as HardenableContents, allowed, () => {});
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      const away = navigation('https://evil.example/');
      contents.emit(event, away);
      expect(away.preventDefault).toHaveBeenCalled();
      const otherFile = navigation('file:///etc/passwd');
      contents.emit(event, otherFile);
      expect(otherFile.preventDefault).toHaveBeenCalled();
      const inApp = navigation('file:///opt/MNIST%20Studio/out/renderer/index.html#/train');
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
  const appUrl = 'file:///opt/MNIST%20Studio/out/renderer/index.html';
  it('answers only the main frame of the app’s own window showing the app', () => {
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: appUrl, parent: null } }, own, allowed)).toBe(true);
    expect(isTrustedSender({ sender: { id: 8 }, senderFrame: { url: appUrl, parent: null } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: appUrl, parent: {} } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example/', parent: null } }, own, allowed)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, own, allowed)).toBe(false);
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
    expect(code).toMatch(/webPreferences: secureWebPreferences\(/);
    expect(code).toMatch(/app\.on\("web-contents-created"[\s\S]{0,200}hardenWebContents\(/);
    expect(code).toContain('hardenSession(session.defaultSession)');
    expect(code).toMatch(/isTrustedSender\(event, ownContents, allowed\)/);
    expect(code).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false/);
  });
});
