import type { StudioClient } from '@shared/api';
import { buildStudioClient } from '@shared/client';
import { TOKEN_PARAM } from '@shared/web-protocol';
import { createWsTransport } from '../api/ws-transport';

const TOKEN_KEY = 'mnist-studio-token';
let client: StudioClient | null | undefined;

/**
 * The session token of web mode: taken from the URL the server printed,
 * kept for this tab, and removed from the address bar.
 */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAM);
    window.history.replaceState(window.history.state, '', url.href);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/**
 * The API client for this page: the preload's `window.studio` in the desktop
 * app, else a WebSocket client of `mnist-studio serve`. No screen knows
 * which one it talks to. Null when neither is available.
 */
export function useStudio(): StudioClient | null {
  if (client !== undefined) return client;
  if (window.studio) return (client = window.studio);
  const token = window.location.protocol.startsWith('http') ? takeToken() : null;
  client = token ? buildStudioClient(createWsTransport(window.location.href, token)) : null;
  return client;
}

/**
 * Why there is no client, when the reason is the link: a page served over
 * HTTP (web mode) opened without the `?token=` the server printed, and no
 * token kept for this tab. The engine may well be running.
 */
export function missingToken(): boolean {
  return useStudio() === null && !window.studio && window.location.protocol.startsWith('http');
}

/** Forget the chosen client (tests). */
export function resetStudioClient(): void {
  client = undefined;
}
