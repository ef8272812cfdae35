/**
 * The renderer's Content-Security-Policy: only our own files, no eval, no remote content, no
 * plugins, no framing. The same string is in renderer/index.html's meta tag (a test keeps them equal)
 * and is also sent as a header for any http(s) response Electron loads.
 */
export const CSP = [
  "default-src 'none'",
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
].join('; ');
