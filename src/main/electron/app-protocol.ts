/**
 * The desktop app's own origin, app://studio: the built renderer served by
 * a protocol handler instead of file://, so the page has a real origin (no
 * file:// privileges, no reach into the rest of the disk) and the same CSP
 * header as web mode. Plain functions; `index.ts` registers them.
 */
import fs from 'node:fs';
import { mimeType, resolveStaticFile, SECURITY_HEADERS } from '../static-files';
import { APP_SCHEME, isAppOriginUrl } from './security';

/** What `protocol.registerSchemesAsPrivileged` gets, before the app is ready: a standard, secure scheme that fetch and module scripts may use. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const;

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS } });
}

/**
 * Answers one app:// request from the files under `rendererDir`: GET and
 * HEAD of a file inside it, with its type and the security headers; 404 for
 * anything else (another host, a path that leaves the folder, a folder).
 */
export async function appProtocolResponse(request: { url: string; method: string }, rendererDir: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  if (!isAppOriginUrl(request.url)) return plain(404, 'not found');
  const file = resolveStaticFile(rendererDir, new URL(request.url).pathname);
  if (!file) return plain(404, 'not found');
  const headers = { 'Content-Type': mimeType(file), 'Cache-Control': 'no-cache', ...SECURITY_HEADERS };
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  return new Response(await fs.promises.readFile(file), { status: 200, headers });
}

/**
 * The dev server URL to load instead of app://, or null. Only in an
 * unpackaged app started with `--dev` (what `npm run dev` passes), and only
 * an http URL on this machine: in a shipped app an environment variable
 * must not be able to swap the UI for another page.
 */
export function devServerUrl(env: { isPackaged: boolean; argv: readonly string[]; rendererUrl: string | undefined }): string | null {
  if (env.isPackaged || !env.argv.includes('--dev') || !env.rendererUrl) return null;
  let parsed: URL;
  try {
    parsed = new URL(env.rendererUrl);
  } catch {
    return null;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  return parsed.protocol === 'http:' && loopback && parsed.username === '' && parsed.password === '' ? parsed.href : null;
}
