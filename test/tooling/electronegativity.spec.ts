/**
 * scripts/electronegativity.mjs: the pinned scanner on the built main and preload (and the
 * renderer page) passes with every finding above informational justified; a window built with
 * Node integration on and isolation off fails the scan. Each scan takes ~10 s offline (the
 * scanner waits for Electron's release list), so both run at once.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const script = path.join(root, 'scripts/electronegativity.mjs');

function scan(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: root, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('Electronegativity scan', () => {
  it('passes on the built app with every finding justified, and fails on an insecure window', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'memhp-en-'));
    const bad = path.join(tmp, 'bad');
    mkdirSync(path.join(bad, 'main'), { recursive: true });
    writeFileSync(
      path.join(bad, 'main', 'index.js'),
      `import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });\nw.loadURL('http://example.com/');\n`,
    );
    const [good, insecure] = await Promise.all([
      scan(['--no-build', '--renderer-html', path.join(root, 'renderer/index.html'), '--csv', path.join(tmp, 'good.csv')]),
      scan(['--input', bad, '--csv', path.join(tmp, 'bad.csv')]),
    ]);
    expect(good.out).toMatch(/0 not\), 0 parse errors/);
    expect(good.code).toBe(0);
    const csv = readFileSync(path.join(tmp, 'good.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^issue, severity, confidence, filename, location/);
    expect(insecure.code).toBe(1);
    expect(insecure.out).toMatch(/FAILED\s+MEDIUM\s+CERTAIN\s+WEB_SECURITY_JS_CHECK main\/index\.js/);
    expect(insecure.out).toMatch(/FAILED\s+MEDIUM\s+CERTAIN\s+HTTP_RESOURCES_JS_CHECK main\/index\.js/);
    expect(insecure.out).toMatch(/FAILED\s+HIGH\s+CERTAIN\s+LIMIT_NAVIGATION_GLOBAL_CHECK/);
  });
});
