/**
 * The renderer's Content-Security-Policy: only our own files, no eval, no remote content, no
 * plugins, no framing. `CSP_META` is in renderer/index.html's meta tag (a test keeps them equal);
 * `CSP` adds what only a header can carry and is sent for any http(s) response Electron loads.
 */
export const CSP_META = [
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
].join('; ');

export const CSP = `${CSP_META}; frame-ancestors 'none'`;
