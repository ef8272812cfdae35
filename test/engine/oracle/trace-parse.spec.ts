import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../../worker/engine/oracle/trace.js';
import { parseGuestCommand, runGuestCommand } from '../../../worker/engine/oracle/guest-shell.js';
import { replayTrace } from '../../../worker/engine/oracle/replay.js';
import { goldenTraces } from './helpers.js';

const d = goldenTraces().find((t) => t.name === 'd-split-on-unplug.txt')!.text;
const head = d.split(/^=== step 1:/m)[0]!;

describe('parseTrace', () => {
  it('reads the header, the device, the policy, dimm and hint lines', () => {
    const g = goldenTraces().find((t) => t.name === 'g-online-kernel-zone.txt')!.text;
    const r = parseTrace(g, 'g');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.trace.header.kernel).toBe('6.12.95+deb12-cloud-amd64');
    expect(r.trace.header.onlinePolicy).toBe('online');
    expect(r.trace.header.device).toEqual({ kind: 'virtio-mem', id: 'vm0', blockSize: 2n << 20n, memdevSize: 64n << 30n, addr: 0x100000000n, regionEnd: 0x10ffffffffn });
    expect(r.trace.steps[4]!.input.hints).toEqual([{ kind: 'unmovable', block: 32, bytes: 4n << 20n, line: expect.any(Number) }]);
    expect(r.trace.steps[4]!.expected.plugged).toBe(0x400000n);
    const i = parseTrace(goldenTraces().find((t) => t.name === 'i-dimm-and-virtio-mem.txt')!.text);
    if (!i.ok) throw new Error(i.error.message);
    expect(i.trace.steps[3]!.input.dimms.map((x) => [x.id, x.addr, x.size])).toEqual([
      ['d1', 0x900000000n, 0x20000000n],
      ['d2', 0x920000000n, 0x10000000n],
    ]);
  });

  it.each([
    ['no steps', '# device: none\n', /no "=== step 0: boot"/],
    ['step 0 not boot', '# device: none\n=== step 0: size 1G\n', /step 0 must be "boot"/],
    ['steps out of order', head + '=== step 2: dump\n', /expected step 1, found step 2/],
    ['bad dimm line', head + '=== step 1: dimm-add d1 1G\ndimm: d1 addr=zz\n', /bad dimm line/],
    ['unknown hint', head + '=== step 1: dump\nhint: cosmic-ray memory5\n', /unsupported hint/],
    ['unknown field', head + '=== step 1: dump\nfrobnicate: 3\n', /unknown field "frobnicate:"/],
    ['missing boot iomem', '# device: none\n=== step 0: boot\nresult: ok\n--- memory-blocks\nblock_size_bytes 0x8000000\n', /no "--- iomem" section/],
    ['unknown device', '# device: pc-dimm foo\n=== step 0: boot\n', /unsupported device/],
    ['not a trace', 'hello\n', /expected a "#" header line/],
  ])('rejects %s with the line', (_n, text, msg) => {
    const r = parseTrace(text, 't');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(msg);
      expect(r.error.line).toBeGreaterThanOrEqual(0);
    }
  });

  it('names the step line of an unsupported guest command', () => {
    const text = head + '=== step 1: guest cat /proc/meminfo\nresult: ok\n';
    const r = replayTrace(text, 't');
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/^unsupported guest command at step 1: command "cat" is not supported/);
    expect(r.error?.line).toBe(head.split('\n').length);
  });

  it('refuses guest writes to other sysfs files', () => {
    const r = replayTrace(head + '=== step 1: guest echo 1 > /sys/kernel/mm/foo\n', 't');
    expect(r.error?.message).toBe('unsupported guest command at step 1: writes to /sys/kernel/mm/foo');
  });
});

describe('guest shell subset', () => {
  const run = (src: string, fail: Set<string> = new Set()) => {
    const p = parseGuestCommand(src);
    if (!p.ok) return { rc: -1, writes: [p.message] };
    const writes: string[] = [];
    const rc = runGuestCommand(p.list, (path, v) => {
      writes.push(`${v}>${path}`);
      return fail.has(path) ? -22 : 0;
    });
    return { rc, writes };
  };
  it.each([
    ['echo offline > /a', [], 0, ['offline>/a']],
    ['echo offline > /a; echo online > /b', [], 0, ['offline>/a', 'online>/b']],
    ['echo x > /a && echo y > /b', ['/a'], 1, ['x>/a']],
    ['echo x > /a; echo y > /b', ['/a'], 0, ['x>/a', 'y>/b']],
    ['for i in 40 42; do echo offline > /m$i/state; done', [], 0, ['offline>/m40/state', 'offline>/m42/state']],
    ['for v in 1 2; do echo a > /x${v}; done', ['/x2'], 1, ['a>/x1', 'a>/x2']],
    ['for v in 1 2; do echo a > /x$v; done; echo b > /y', ['/x2'], 0, ['a>/x1', 'a>/x2', 'b>/y']],
  ])('%s', (src, fails, rc, writes) => {
    expect(run(src, new Set(fails as string[]))).toEqual({ rc, writes });
  });
  it.each([['cat /proc/iomem'], ['echo a | tee /b'], ['echo a >> /b'], ['echo a'], ['for i in 1; echo a > /b; done'], ['']])('refuses %j', (src) => {
    expect(parseGuestCommand(src).ok).toBe(false);
  });
});

describe('DIMMs present at boot', () => {
  it('are adopted from the boot map and can be ejected later', () => {
    const j = goldenTraces().find((t) => t.name === 'j-dimm-only.txt')!.text;
    // Step 2 of trace j as a boot state: two DIMMs already there.
    const steps = j.split(/^(?==== step \d+:)/m);
    const header = steps[0]!;
    const step2 = steps[3]!.replace(/^=== step 2: .*$/m, '=== step 0: boot');
    const expectedIomem = step2.split('--- iomem\n')[1]!.split('--- memory-blocks\n')[0]!.replace('108000000-10fffffff : System RAM\n', '');
    const r = replayTrace(header + step2 + '=== step 1: dimm-del d2\nresult: ok\n', 't');
    expect(r.error).toBeNull();
    expect(r.steps[0]!.ok).toBe(true);
    expect(r.steps[1]!.actual.iomem).toBe(expectedIomem);
    expect(r.steps[1]!.actual.blocks).not.toContain('memory33 ');
  });
});

describe('other sysfs writes a guest step may use', () => {
  const base = d.split(/^=== step 2:/m)[0]!; // boot + "size 1G"
  it.each([
    ['echo 0 > /sys/devices/system/memory/memory35/online', 0, 'memory35 offline Movable Normal'],
    ['echo 1 > /sys/devices/system/memory/memory35/online', 0, 'memory35 online Movable'],
    ['echo maybe > /sys/devices/system/memory/memory35/online', 1, 'memory35 online Movable'],
    ['echo 0 > /sys/module/virtio_mem/parameters/unplug_online', 0, 'memory35 online Movable'],
  ])('%s', (cmd, rc, line) => {
    const r = replayTrace(base + `=== step 2: guest ${cmd}\nresult: ok\n`, 't');
    expect(r.error).toBeNull();
    expect(r.steps[2]!.actual.guestRc).toBe(rc);
    expect(r.steps[2]!.actual.blocks).toContain(line + '\n');
  });
});
