// The real thing: `memhp record --check` boots Debian 12's cloud kernel under TCG, plays
// test/fixtures/record/grow-split-dimm.yaml (virtio-mem grow, a shrink that splits the merged
// resource, one DIMM hot-add, the regrow that merges it again) and replays the trace on the
// emulator, which must match every step. Needs QEMU and busybox-static (fails at once, never
// skips, without them). The kernel: $MEMHP_TEST_KERNEL (a vmlinuz beside its lib/modules/<kver>),
// else scripts/fetch-test-kernel.sh downloads it into .cache/test-kernel (git-ignored).
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOnPath, readHead } from '../../main/cli/record/tools.js';
import { isStaticElf } from '../../main/cli/record/binaries.js';
import { parseTrace } from '../../worker/engine/oracle/trace.js';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');
const FIXTURE = path.join(root, 'test/fixtures/record/grow-split-dimm.yaml');
/** The whole recording (boot under TCG, five steps, replay) must stay well under 4 minutes. */
const RECORD_LIMIT_MS = 200_000;

function requireRuntimeTools(): void {
  const missing: string[] = [];
  if (!findOnPath('qemu-system-x86_64')) missing.push('qemu-system-x86');
  const busybox = findOnPath('busybox') ?? '/bin/busybox';
  let staticBusybox = false;
  try {
    staticBusybox = isStaticElf(readHead(busybox, 65536)) === true;
  } catch {
    staticBusybox = false;
  }
  if (!staticBusybox) missing.push('busybox-static');
  if (missing.length) throw new Error(`memhp record test: ${missing.join(' and ')} not installed: apt-get install -y ${missing.join(' ')}`);
}

function testKernel(): string {
  const given = process.env['MEMHP_TEST_KERNEL'];
  if (given) return given;
  const out = execFileSync(path.join(root, 'scripts/fetch-test-kernel.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 170_000 });
  return out.trim().split('\n').pop()!;
}

let kernel = '';
let dir = '';

beforeAll(() => {
  requireRuntimeTools();
  kernel = testKernel();
  dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-record-vm-'));
}, 180_000);

describe('memhp record on a real kernel (QEMU, TCG)', () => {
  let trace = '';

  it(
    'records the fixture and --check replays it: every step identical',
    () => {
      const out = path.join(dir, 'trace.txt');
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [cli, 'record', FIXTURE, '--kernel', kernel, '--accel', 'tcg', '--out', out, '--check'], { cwd: dir, encoding: 'utf8', timeout: RECORD_LIMIT_MS });
      const ms = Date.now() - t0;
      expect(r.stderr).toMatch(/^memhp record: accel tcg\n/);
      expect(r.stderr).toMatch(/booted in [\d.]+ s\n/);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout.match(/^step +\d+ .* OK$/gm)).toHaveLength(6);
      expect(r.stdout).toContain('6/6 steps match');
      expect(ms).toBeLessThan(RECORD_LIMIT_MS);
      process.stderr.write(`memhp record test: recorded and replayed in ${(ms / 1000).toFixed(1)} s; ${/booted in [\d.]+ s/.exec(r.stderr)?.[0]}\n`);
      trace = readFileSync(out, 'utf8');
    },
    RECORD_LIMIT_MS + 10_000,
  );

  it('the trace shows what the scenario is about: the split, the DIMM, the merge again', () => {
    const t = parseTrace(trace);
    if (!t.ok) throw new Error(`${t.error.line}: ${t.error.message}`);
    const { header, steps } = t.trace;
    expect(header.kernel).toMatch(/^6\.1\.\d+-\d+-cloud-amd64$/);
    expect(header.lines.find((l) => l.startsWith('# qemu: '))).toMatch(/^# qemu: \d+\.\d+\.\d+/);
    const vmem = (i: number) => steps[i]!.expected.iomem!.text.split('\n').filter((l) => l.endsWith(': System RAM (virtio_mem)'));
    expect(vmem(1)).toEqual(['  100000000-13fffffff : System RAM (virtio_mem)']);
    expect(steps[2]!.expected.blocks!.text).toContain('memory35 offline ');
    expect(vmem(3)).toEqual(['  100000000-117ffffff : System RAM (virtio_mem)', '  120000000-13fffffff : System RAM (virtio_mem)']);
    expect(steps[4]!.input.dimms).toEqual([{ id: 'd1', addr: 0x900000000n, size: 0x20000000n, line: expect.any(Number) }]);
    expect(steps[4]!.expected.iomem!.text).toContain('\n900000000-91fffffff : System RAM\n');
    expect(vmem(5)).toEqual(['  100000000-13fffffff : System RAM (virtio_mem)']);
  });

  it('a kernel that does not boot (the image cut short): one line, no trace', () => {
    const cut = path.join(dir, 'vmlinuz-cut');
    writeFileSync(cut, readFileSync(kernel).subarray(0, 3_000_000));
    const modules = path.join(path.dirname(kernel), 'lib/modules');
    const out = path.join(dir, 'cut.txt');
    const r = spawnSync(process.execPath, [cli, 'record', FIXTURE, '--kernel', cut, '--modules', path.join(modules, readdirSync(modules)[0]!), '--accel', 'tcg', '--out', out], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean).pop()).toMatch(/^memhp: the VM reset or powered off during boot .*; the kernel printed nothing on the console/);
    expect(existsSync(out)).toBe(false);
  }, 70_000);

  it('replaying the recording with merging turned off diverges at the first plug', () => {
    const out = path.join(dir, 'trace.txt');
    const r = spawnSync(process.execPath, [cli, 'replay', out, '--strategy', 'none'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^step +1 +size 1G +FAIL \(iomem\)$/m);
  });
});
