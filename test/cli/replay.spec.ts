import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReplay } from '../../main/cli/commands/replay.js';
import { CliError } from '../../main/cli/errors.js';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');
const oracle = path.join(root, 'test/fixtures/oracle');

function memhp(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function capture() {
  let text = '';
  return { out: { write: (s: string) => (text += s) }, text: () => text };
}

describe('memhp replay (built CLI)', () => {
  it.each([['d-split-on-unplug.txt'], ['6.1.0-56-cloud-amd64/i-dimm-and-virtio-mem.txt']])('%s: every step OK, exit 0', (f) => {
    const r = memhp('replay', path.join(oracle, f));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const steps = (readFileSync(path.join(oracle, f), 'utf8').match(/^=== step \d+:/gm) ?? []).length;
    expect(r.out.match(/^step +\d+ .* OK$/gm)?.length).toBe(steps);
    expect(r.out).toContain(`${steps}/${steps} steps match`);
  });

  it('prints FAIL and a unified diff at the first difference, exit 1', () => {
    const r = memhp('replay', path.join(oracle, 'd-split-on-unplug.txt'), '--strategy', 'none');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^step +1 +size 1G +FAIL \(iomem\)$/m);
    expect(r.out).toContain('--- trace step 1 /proc/iomem\n+++ emulated step 1 /proc/iomem\n@@ ');
    expect(r.out.match(/^--- trace step/gm)?.length).toBe(1);
  });

  it.each([
    ['a missing file', ['replay', '/nonexistent/trace.txt'], /^memhp: cannot read \/nonexistent\/trace\.txt: no such file\n$/],
    ['a bad profile', ['replay', path.join(oracle, 'd-split-on-unplug.txt'), '--profile', '4.19'], /^memhp: --profile: unknown profile "4\.19"/],
  ])('fails with one line for %s', (_n, args, msg) => {
    const r = memhp(...args);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(msg);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('refuses a trace of a kernel without a profile in one line naming the nearest profile; --profile forces it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-replay-'));
    const f = path.join(dir, 'd-7.1.txt');
    const text = readFileSync(path.join(oracle, 'd-split-on-unplug.txt'), 'utf8').replace(/^# kernel: .*$/m, '# kernel: 7.1.0-1-amd64');
    writeFileSync(f, text);
    const line = text.split('\n').findIndex((l) => l.startsWith('# kernel:')) + 1;
    const r = memhp('replay', f);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`memhp: ${f}:${line}: no profile for kernel 7.1.0-1-amd64; the nearest is 6.18: pass --profile 6.18 to replay with it\n`);
    const forced = memhp('replay', f, '--profile', '6.18');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('-> profile 6.18, strategy mhp-merge\n');
    expect(forced.out).not.toContain('note:');
  });

  it.each([['6.18'], ['7.3']])('a %s trace replays with its own profile and no note', (v) => {
    const f = path.join(root, `test/fixtures/oracle-${v}/d-split-on-unplug.txt`);
    const r = memhp('replay', f);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`-> profile ${v}, strategy mhp-merge\n`);
    expect(r.out).not.toContain('note:');
  });

  it('names file and line of a malformed trace, without a stack trace', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-replay-'));
    const f = path.join(dir, 'bad.txt');
    writeFileSync(f, '# device: none\n=== step 0: boot\nresult: ok\nwhat is this\n');
    const r = memhp('replay', f);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`memhp: ${f}:4: unexpected line in step 0: "what is this"\n`);
  });
});

describe('runReplay (in process)', () => {
  it('reports an unsupported guest command with its line after the steps that ran', () => {
    const d = readFileSync(path.join(oracle, 'd-split-on-unplug.txt'), 'utf8');
    const head = d.split(/^=== step 1:/m)[0]!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-replay-'));
    const f = path.join(dir, 't.txt');
    writeFileSync(f, head + '=== step 1: size 128M\n=== step 2: guest free -m\n');
    const c = capture();
    let err: unknown;
    try {
      runReplay(f, {}, c.out);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe(`${f}:${head.split('\n').length + 1}: unsupported guest command at step 2: command "free" is not supported`);
    expect(c.text()).toMatch(/^step +1 +size 128M +OK$/m);
  });
});
