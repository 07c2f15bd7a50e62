/**
 * The desktop shell's security settings, as plain functions over the few
 * Electron objects they touch, so tests can assert every one of them
 * without an Electron binary. `index.ts` applies them to the real objects.
 */
import type { WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../security-policy';

/** Web preferences of every window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // A middle click on a link would open it in a new window; new windows are denied anyway, this stops the attempt.
    disableBlinkFeatures: 'Auxclick',
  };
}

/** The app's own origin, app://studio: `app-protocol.ts` serves the built renderer there. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
/** The page the window loads. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for a URL of the app's own origin (app://studio, no credentials or port). */
export function isAppOriginUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.hostname === APP_HOST && parsed.port === '' && parsed.username === '' && parsed.password === '';
}

/** Where the app's own pages come from: app://studio, or the dev server in `npm run dev`. */
export interface AppOrigin {
  /** The electron-vite dev server URL in `npm run dev` (see devServerUrl), else null. */
  devServerUrl: string | null;
}

/** True for the app's own page (any hash or query), false for anything else, file:// included. */
export function isAppUrl(url: string, origin: AppOrigin): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  if (origin.devServerUrl && parsed.origin === new URL(origin.devServerUrl).origin) return true;
  return isAppOriginUrl(url) && (parsed.pathname === '/index.html' || parsed.pathname === '/');
}

/** Hosts `shell.openExternal` may open, for links in the UI (docs, the project page). */
export const EXTERNAL_ALLOW_LIST = ['github.com', 'www.tensorflow.org', 'js.tensorflow.org', 'yann.lecun.com'];

export function isAllowedExternalUrl(url: string, allow: readonly string[] = EXTERNAL_ALLOW_LIST): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && allow.includes(parsed.hostname);
  } catch {
    return false;
  }
}

interface Preventable {
  preventDefault(): void;
}

/** The parts of WebContents the hardening touches. */
export interface HardenableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: Preventable & { url: string }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
}

/**
 * Applied to every WebContents the app creates: no new windows (an allowed
 * https link opens in the user's browser instead), no navigation away from
 * the app, no <webview>.
 */
export function hardenWebContents(contents: HardenableContents, isAllowedUrl: (url: string) => boolean, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: Preventable & { url: string }) => {
    if (!isAllowedUrl(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The parts of Session the hardening touches. */
export interface HardenableSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void,
    ): void;
  };
}

/** Every permission (camera, notifications prompt, geolocation…) refused; CSP header on every response. */
export function hardenSession(session: HardenableSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

/** What an IPC event tells about who sent it. */
export interface IpcSender {
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  senderFrame: { url: string; parent: unknown } | null;
  sender: { id: number };
}

/**
 * IPC is answered only for the main frame of a window the app created,
 * showing the app's own page.
 */
export function isTrustedSender(event: IpcSender, ownContents: ReadonlySet<number>, isAllowedUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!ownContents.has(event.sender.id)) return false;
  return isAllowedUrl(frame.url);
}
