import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runIomem } from '../../main/cli/commands/iomem.js';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');
const oracle = path.join(root, 'test/fixtures/oracle');
const dumps = path.join(root, 'test/fixtures/dumps');

function memhp(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The recorded iomem of the last step of a trace (the test may read it; the CLI may not). */
function lastIomem(text: string): string {
  const last = text.split(/^=== step \d+:.*$/m).pop()!;
  return last.split('--- iomem\n')[1]!.split('--- memory-blocks\n')[0]!;
}

describe('memhp iomem', () => {
  it.each([['i-dimm-and-virtio-mem.txt'], ['d-split-on-unplug.txt'], ['6.1.0-56-cloud-amd64/f-bbm-1g.txt']])('prints /proc/iomem after replaying %s', (f) => {
    const text = readFileSync(path.join(oracle, f), 'utf8');
    const r = memhp('iomem', path.join(oracle, f));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(lastIomem(text));
  });

  it('renders a raw dump back byte for byte, and the user view zeroed', () => {
    const f = path.join(dumps, 'iomem-virtio-mem-2g-merged.txt');
    const text = readFileSync(f, 'utf8');
    const r = memhp('iomem', f);
    expect(r.code).toBe(0);
    expect(r.out).toBe(text);
    const u = memhp('iomem', f, '--user');
    expect(u.code).toBe(0);
    const expected = text.replace(/^( *)[0-9a-f]+-[0-9a-f]+ :/gm, '$100000000-00000000 :');
    expect(u.out).toBe(expected);
  });

  it('the trace --user view zeroes every address', () => {
    const r = memhp('iomem', path.join(oracle, 'j-dimm-only.txt'), '--user');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean).every((l) => /^ *00000000-00000000 : /.test(l))).toBe(true);
  });

  it('names file and line of a malformed dump, exit non-zero, no stack trace', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-iomem-'));
    const f = path.join(dir, 'bad.txt');
    writeFileSync(f, '00000000-00000fff : Reserved\nnot a line\n');
    const r = memhp('iomem', f);
    expect(r.code).not.toBe(0);
    expect(r.err.startsWith(`memhp: ${f}:2: `)).toBe(true);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('tells a scenario file by its content, whatever its name, and runs it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-iomem-'));
    const f = path.join(dir, 'x.scenario');
    writeFileSync(f, 'name: demo\nmachine: { boot: q35-2g }\ndevices: [{ kind: virtio-mem, id: vm0, regionSize: 8G }]\ntimeline:\n  - { op: resize, device: vm0, size: 1G }\n');
    let out = '';
    const code = await runIomem(f, { user: true }, { write: (s: string) => (out += s) });
    expect(code).toBe(0);
    expect(out).toMatch(/^00000000-00000000 : /);
    expect(out).toContain(': virtio0\n');
  });
});
