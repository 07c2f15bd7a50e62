/**
 * The built renderer as served to a page, by web mode over HTTP and by the
 * desktop app over its app:// protocol: which file a URL path names (never
 * one outside the folder), its type, and the headers every page gets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from './security-policy';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ico': 'image/x-icon',
};

/** Content-Type of a file the renderer ships, by its extension. */
export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers of every response that carries the renderer (and of its 404s). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The file under `root` that a URL's (still percent-encoded) path names, or
 * null: a bad escape, a NUL, a path that leaves the folder (`..`, encoded or
 * not, or through a symbolic link), a folder or a missing file. `/` is
 * index.html.
 */
export function resolveStaticFile(root: string, urlPathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  let base: string;
  let file: string;
  try {
    base = fs.realpathSync(root);
    file = fs.realpathSync(path.resolve(base, `.${rel === '/' ? '/index.html' : rel}`));
  } catch {
    return null;
  }
  if (!file.startsWith(base + path.sep) || !fs.statSync(file).isFile()) return null;
  return file;
}
