/**
 * The Content-Security-Policy of every page the studio shows, in the desktop
 * window and in web mode alike. Both transports import it from here, so
 * neither imports the other.
 */

/** Content-Security-Policy of every page the app shows (also set as a meta tag in index.html). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
].join('; ');
