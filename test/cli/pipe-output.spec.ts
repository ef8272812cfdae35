import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

// A large output must reach a pipe whole, even when the reader is slow: the CLI may not end the
// process while stdout still holds data (it used to cut piped output at 64 KiB).
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');

/** A /proc/iomem dump of `n` hot-added 128 MiB "System RAM" blocks above 4 GiB (several MiB of text). */
function bigDump(n: number): string {
  const lines = ['00000000-00000fff : Reserved', '00001000-0009fbff : System RAM', '00100000-7fffffff : System RAM'];
  for (let i = 0; i < n; i++) {
    const start = 0x100000000n + BigInt(i) * 0x8000000n;
    lines.push(`${start.toString(16)}-${(start + 0x7ffffffn).toString(16)} : System RAM`);
  }
  return lines.join('\n') + '\n';
}

/** Runs the CLI with stdout into a pipe read by a slow consumer; resolves with every byte it read. */
function readThroughSlowPipe(args: string[]): Promise<{ bytes: Buffer; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      // Pause now and then so the pipe fills up and the writer has to wait for the reader.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 2);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ bytes: Buffer.concat(chunks), code }));
  });
}

describe('CLI output through pipes', () => {
  it('memhp iomem of a 200,000-line dump reaches a slow pipe byte for byte, as a file redirect gets it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'memhp-pipe-'));
    const dump = path.join(dir, 'big.txt');
    writeFileSync(dump, bigDump(200_000));
    const file = path.join(dir, 'out.txt');
    const fd = openSync(file, 'w');
    const redirected = spawnSync(process.execPath, [cli, 'iomem', dump], { cwd: root, stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    expect(redirected.status).toBe(0);
    const expected = readFileSync(file);
    expect(expected.length).toBeGreaterThan(1024 * 1024);
    const piped = await readThroughSlowPipe(['iomem', dump]);
    expect(piped.code).toBe(0);
    expect(piped.bytes.length).toBe(expected.length);
    expect(piped.bytes.equals(expected)).toBe(true);
  });
});
