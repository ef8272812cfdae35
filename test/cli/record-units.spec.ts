// The pure parts of `memhp record`: the cpio writer, the modules.dep closure, the kernel-image
// header, the scenario -> VM plan (with its refusal lines) -> QEMU command line, and the trace text.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeCpio } from '../../main/cli/record/cpio.js';
import { moduleClosure, moduleName, parseModulesBuiltin, parseModulesDep } from '../../main/cli/record/modules-dep.js';
import { isStaticElf, readKernelImage } from '../../main/cli/record/binaries.js';
import { planRecording, stateWriteCommand, type VmPlan } from '../../main/cli/record/plan.js';
import { kernelCmdline, qemuArgs, qemuSize } from '../../main/cli/record/qemu-args.js';
import { formatDump, traceHeader, traceStep } from '../../main/cli/record/trace-text.js';
import { initramfsEntries } from '../../main/cli/record/initramfs.js';
import { parseQemuVersion, readHead } from '../../main/cli/record/tools.js';
import { resolveScenario } from '../../main/cli/shared/index.js';
import { normalizeScenario } from '../../worker/engine/scenario/normalize.js';
import { getPreset } from '../../worker/engine/scenario/presets.js';
import { Runner } from '../../worker/engine/runner/runner.js';
import { parseTrace } from '../../worker/engine/oracle/trace.js';
import { fakeBzImage } from './record-fakes.js';

const root = path.resolve(__dirname, '../..');
const FIXTURE = path.join(root, 'test/fixtures/record/grow-split-dimm.yaml');

function scenario(input: Record<string, unknown>) {
  const r = normalizeScenario({ name: 't', seed: 1, machine: { boot: 'q35-2g', blockSize: '128M', physBits: 46, onlinePolicy: 'online_movable' }, ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario;
}

function plan(input: Record<string, unknown>): VmPlan {
  const r = planRecording(scenario(input));
  if (!r.ok) throw new Error(r.refusals.join('\n'));
  return r.plan;
}

function refusals(input: Record<string, unknown>): string[] {
  const r = planRecording(scenario(input));
  return r.ok ? [] : r.refusals;
}

const VMEM = { kind: 'virtio-mem', id: 'vm0', addr: '4G', regionSize: '8G', blockSize: '2M' };

describe('cpio newc writer', () => {
  const archive = writeCpio([
    { kind: 'dir', path: 'bin' },
    { kind: 'file', path: 'bin/hello', data: new TextEncoder().encode('hello world\n'), mode: 0o755 },
    { kind: 'file', path: 'odd', data: new Uint8Array([1, 2, 3]) },
    { kind: 'symlink', path: 'bin/sh', target: 'hello' },
    { kind: 'chardev', path: 'console', major: 5, minor: 1 },
  ]);

  it('pads every header+name and every body to 4 bytes and ends with TRAILER!!!', () => {
    const text = new TextDecoder('latin1').decode(archive);
    expect(archive.length % 4).toBe(0);
    let at = 0;
    const names: string[] = [];
    while (at < archive.length) {
      expect(text.slice(at, at + 6)).toBe('070701');
      const f = (i: number) => parseInt(text.slice(at + 6 + i * 8, at + 14 + i * 8), 16);
      const [size, nameSize] = [f(6), f(11)];
      names.push(text.slice(at + 110, at + 110 + nameSize - 1));
      at += 110 + nameSize;
      at += (4 - (at % 4)) % 4;
      at += size + ((4 - (size % 4)) % 4);
    }
    expect(at).toBe(archive.length);
    expect(names).toEqual(['bin', 'bin/hello', 'odd', 'bin/sh', 'console', 'TRAILER!!!']);
  });

  it('unpacks with busybox cpio into the same files, modes and link', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-cpio-'));
    execFileSync('busybox', ['cpio', '-i', '-d', '-m'], { cwd: dir, input: archive, stdio: ['pipe', 'ignore', 'ignore'] });
    expect(readFileSync(path.join(dir, 'bin/hello'), 'utf8')).toBe('hello world\n');
    expect(statSync(path.join(dir, 'bin/hello')).mode & 0o777).toBe(0o755);
    expect([...readFileSync(path.join(dir, 'odd'))]).toEqual([1, 2, 3]);
    expect(readlinkSync(path.join(dir, 'bin/sh'))).toBe('hello');
  });

  it('refuses absolute and escaping paths', () => {
    expect(() => writeCpio([{ kind: 'dir', path: '/etc' }])).toThrow(/bad member path/);
    expect(() => writeCpio([{ kind: 'dir', path: 'a/../../etc' }])).toThrow(/bad member path/);
  });

  it('the initramfs has /init, busybox, /dev/console and the modules in load order', () => {
    const e = initramfsEntries(new Uint8Array([0x7f]), [{ name: 'virtio', data: new Uint8Array(1) }, { name: 'virtio_mem', data: new Uint8Array(2) }]);
    const byPath = new Map(e.map((x) => [x.path, x]));
    expect(byPath.get('init')).toMatchObject({ kind: 'file', mode: 0o755 });
    expect(byPath.get('dev/console')).toMatchObject({ kind: 'chardev', major: 5, minor: 1 });
    const list = byPath.get('etc/memhp/modules');
    expect(list?.kind === 'file' && new TextDecoder().decode(list.data)).toBe('virtio.ko\nvirtio_mem.ko\n');
    // every member's directory comes before it
    const seen = new Set<string>();
    for (const x of e) {
      const parent = path.dirname(x.path);
      if (parent !== '.') expect(seen.has(parent)).toBe(true);
      seen.add(x.path);
    }
  });
});

describe('modules.dep closure', () => {
  const dep = parseModulesDep(
    [
      'kernel/drivers/virtio/virtio_ring.ko:',
      'kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko:',
      'kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/virtio/virtio_mem.ko.xz: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/hv/hv-vmbus.ko.zst:',
      '',
    ].join('\n'),
  );

  it.each([
    [['virtio_mem'], ['virtio_ring.ko', 'virtio.ko', 'virtio_mem.ko.xz']],
    [['virtio_pci', 'virtio_mem'], ['virtio_ring.ko', 'virtio.ko', 'virtio_pci_modern_dev.ko', 'virtio_pci.ko', 'virtio_mem.ko.xz']],
    [['hv_vmbus'], ['hv-vmbus.ko.zst']],
  ])('%j loads %j (dependencies first, none twice)', (wanted, files) => {
    const r = moduleClosure(wanted, dep, new Set());
    expect(r.ok && r.files.map((f) => path.basename(f))).toEqual(files);
  });

  it('a built-in module needs no file; a module in neither list is missing', () => {
    const builtin = parseModulesBuiltin('kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/acpi/acpi_memhotplug.ko\n');
    const noPci = parseModulesDep('kernel/drivers/virtio/virtio_mem.ko:\n');
    expect(moduleClosure(['virtio_pci', 'virtio_mem'], noPci, builtin)).toEqual({ ok: true, files: ['kernel/drivers/virtio/virtio_mem.ko'], builtin: ['virtio_pci'] });
    expect(moduleClosure(['virtio_pci', 'virtio_mem'], noPci, new Set())).toEqual({ ok: false, missing: 'virtio_pci' });
  });

  it('names modules as the kernel does', () => {
    expect(moduleName('kernel/drivers/hv/hv-balloon.ko.zst')).toBe('hv_balloon');
    expect(moduleName('virtio_mem.ko.gz')).toBe('virtio_mem');
  });
});

describe('binaries', () => {
  it('reads the release from a bzImage header', () => {
    expect(readKernelImage(fakeBzImage('6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP'))).toEqual({
      ok: true,
      version: '6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP',
      release: '6.1.0-57-cloud-amd64',
    });
  });

  it('refuses what is not a kernel image', () => {
    const text = readKernelImage(new TextEncoder().encode('#!/bin/sh\necho not a kernel\n'.padEnd(2048, '#')));
    expect(text).toEqual({ ok: false, why: expect.stringMatching(/not a Linux kernel image/) });
    const elf = new Uint8Array(2048);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    expect(readKernelImage(elf)).toEqual({ ok: false, why: expect.stringMatching(/ELF file/) });
  });

  it('tells a static ELF from a dynamic one', () => {
    expect(isStaticElf(readHead('/bin/busybox', 65536))).toBe(true);
    expect(isStaticElf(readHead(process.execPath, 65536))).toBe(false);
    expect(isStaticElf(new Uint8Array(100))).toBe(null);
  });

  it('reads QEMU versions', () => {
    expect(parseQemuVersion('QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\nCopyright')).toMatchObject({ major: 10, minor: 0, micro: 2 });
    expect(parseQemuVersion('QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)')).toMatchObject({ major: 7, minor: 2, micro: 19 });
    expect(parseQemuVersion('nothing here')).toBe(null);
  });
});

describe('scenario -> VM plan', () => {
  it('the recording fixture: machine, devices, and one trace command per step', () => {
    const r = planRecording(resolveScenario(FIXTURE).scenario);
    expect(r.ok).toBe(true);
    const p = (r as { plan: VmPlan }).plan;
    expect(p.machine).toEqual({ bootMap: 'q35-2g-6.1', ram: 2n << 30n, maxmem: 66n << 30n, slots: 4, onlinePolicy: 'online_movable' });
    expect(p.virtioMem).toEqual({ id: 'vm0', addr: 4n << 30n, regionSize: 32n << 30n, blockSize: 2n << 20n });
    expect(p.dimms).toEqual([{ id: 'd1', addr: 36n << 30n, size: 512n << 20n, present: false }]);
    expect(p.steps.map((s) => s.command)).toEqual(['size 1G', 'guest echo offline > /sys/devices/system/memory/memory35/state', 'size 896M', 'dimm-add d1 512M', 'size 1G']);
    expect(p.modules).toEqual(['virtio_pci', 'virtio_mem']);
  });

  it('relative resizes follow the requested size and stop at 0; waits, marks and block lists', () => {
    const p = plan({
      devices: [VMEM],
      timeline: [
        { op: 'resize', device: 'vm0', size: '1G' },
        { op: 'resize', device: 'vm0', by: '+130M' },
        { op: 'resize', device: 'vm0', by: '-4G' },
        { op: 'online', blocks: ['33-37/2', 40], type: 'online_kernel' },
        { op: 'wait', duration: '1500ms' },
        { op: 'mark' },
      ],
    });
    expect(p.steps.map((s) => s.command)).toEqual([
      'size 1G',
      'size 1154M',
      'size 0',
      'guest for v in 33 35 37 40; do echo online_kernel > /sys/devices/system/memory/memory$v/state; done',
      'sleep 1.5',
      'dump',
    ]);
  });

  it('soak steps draw the same sizes as the runner', () => {
    const s = getPreset('soak-virtio-mem')!;
    const p = planRecording(s);
    expect(p.ok).toBe(true);
    const steps = (p as { plan: VmPlan }).plan.steps.slice(0, 40);
    const runner = Runner.create(s);
    if (!runner.ok) throw new Error(runner.error);
    for (const step of steps) {
      const m = runner.runner.step()!;
      expect(step.label).toBe(m.label);
      expect(step.kind === 'size' && step.size).toBe(BigInt(m.requested));
    }
  });

  it('one refusal line per step a VM cannot play, naming the step', () => {
    const lines = refusals({
      devices: [VMEM, { kind: 'xen-balloon', id: 'xen0' }, { kind: 'hv-balloon', id: 'hv0', hotAddBase: '40G' }],
      timeline: [
        { op: 'resize', device: 'vm0', size: '1G' },
        { op: 'xen-target', device: 'xen0', by: '+128M' },
        { op: 'hv-hot-add', device: 'hv0', size: '128M' },
        { op: 'fault-unmovable', blocks: 32, size: '4M' },
        { op: 'fault-host', device: 'vm0', response: 'busy' },
      ],
    });
    expect(lines).toEqual([
      'devices[1] (xen-balloon xen0): a QEMU VM has no Xen balloon (Xen guests need a Xen hypervisor)',
      "devices[2] (hv-balloon hv0): QEMU's hv-balloon needs Hyper-V enlightenments (KVM with SynIC), which memhp record does not set up",
      'step 2 (xen0 target +128M): a Xen balloon target needs a Xen hypervisor',
      "step 3 (hot-add 128M on hv0): Hyper-V hot-add requests need QEMU's hv-balloon with KVM and Hyper-V enlightenments",
      'step 4 (fault: pin 4M of 32): the fault injection "fault-unmovable" has no equivalent in a real guest',
      'step 5 (fault: host answers BUSY (vm0)): the fault injection "fault-host" has no equivalent in a real guest',
    ]);
  });

  it('refuses machines QEMU does not make and devices a trace cannot hold', () => {
    expect(refusals({ machine: { boot: { iomem: '00000000-7fffffff : System RAM\n' }, blockSize: '128M', physBits: 46, onlinePolicy: 'online' }, devices: [], timeline: [{ op: 'mark' }] })).toEqual([
      'machine.boot: an inline /proc/iomem is not a machine QEMU can be asked for; use one of the q35 boot maps (q35-2g, q35-2g-6.1, q35-2g-6.18, q35-2g-7.3)',
    ]);
    expect(refusals({ machine: { boot: 'q35-2g', blockSize: '256M', physBits: 46, onlinePolicy: 'online' }, devices: [], timeline: [] })[0]).toMatch(/^machine.blockSize 256M: /);
    expect(refusals({ devices: [VMEM, { ...VMEM, id: 'vm1', addr: '12G' }], timeline: [] })).toEqual(['devices[1] (virtio-mem vm1): a second virtio-mem device; a recorded trace holds one (vm0)']);
    expect(refusals({ devices: [{ ...VMEM, node: 1 }], timeline: [] })[0]).toMatch(/node 1: the q35 boot maps have one NUMA node/);
  });

  it('lists at most 20 refusals and counts the rest', () => {
    const r = planRecording(getPreset('seed-100g-xen-balloon')!);
    expect(r.ok).toBe(false);
    const lines = (r as { refusals: string[] }).refusals;
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('… and 781 more');
  });

  it('writes state changes as the guest commands replay understands', () => {
    expect(stateWriteCommand([35], 'offline')).toBe('echo offline > /sys/devices/system/memory/memory35/state');
  });
});

describe('QEMU command line', () => {
  const paths = { kernel: '/k/vmlinuz', initrd: '/t/initrd', consoleLog: '/t/console.log', qmpSocket: '/t/qmp.sock', guestSocket: '/t/guest.sock' };

  it('is the scenario machine: memory, maxmem/slots, memaddr, block size, cold DIMMs, memhp_default_state', () => {
    const p = plan({
      machine: { boot: { map: 'q35-2g', maxmem: '102G', slots: 8 }, blockSize: '128M', physBits: 46, onlinePolicy: 'offline' },
      devices: [VMEM, { kind: 'acpi-dimm', id: 'd0', addr: '12G', size: '1G', present: true }, { kind: 'acpi-dimm', id: 'd1', addr: '13G', size: '1G' }],
      timeline: [],
    });
    expect(qemuArgs(p, 'tcg', paths)).toEqual([
      '-accel', 'tcg', '-machine', 'q35', '-cpu', 'max', '-smp', '1', '-m', '2G,maxmem=102G,slots=8',
      '-object', 'memory-backend-ram,id=mem-vm0,size=8G,reserve=off',
      '-device', 'virtio-mem-pci,id=vm0,memdev=mem-vm0,memaddr=0x100000000,block-size=2M,requested-size=0',
      '-object', 'memory-backend-ram,id=mem-d0,size=1G,reserve=off', '-device', 'pc-dimm,id=d0,memdev=mem-d0,addr=0x300000000',
      '-kernel', '/k/vmlinuz', '-initrd', '/t/initrd', '-append', 'console=ttyS0 nokaslr panic=-1 memhp_default_state=offline',
      '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'file:/t/console.log',
      '-chardev', 'socket,id=guest,path=/t/guest.sock,server=on,wait=off', '-serial', 'chardev:guest',
      '-qmp', 'unix:/t/qmp.sock,server=on,wait=off', '-S',
    ]);
    expect(qemuArgs(p, 'kvm', paths).slice(0, 6)).toEqual(['-accel', 'kvm', '-machine', 'q35', '-cpu', 'host']);
    expect(kernelCmdline(p)).toContain('memhp_default_state=offline');
  });

  it('writes sizes with a unit, since -m reads a bare number as MiB', () => {
    expect([qemuSize(2n << 30n), qemuSize(130n << 20n), qemuSize(4096n), qemuSize(1000n)]).toEqual(['2G', '130M', '4K', '1000B']);
  });
});

describe('trace text', () => {
  const RAW = '@@iomem\n00000000-00000fff : Reserved\n100000000-8ffffffff : virtio0\n@@blocks 8000000\nmemory10 online DMA32\nmemory0 online none\nmemory2 offline Movable Normal\n@@meminfo\nMemTotal:        1959964 kB\n';

  it('sorts memory blocks by number and adds the 0x the oracle writes', () => {
    expect(formatDump(RAW)).toBe(
      '--- iomem\n00000000-00000fff : Reserved\n100000000-8ffffffff : virtio0\n--- memory-blocks\nblock_size_bytes 0x8000000\nmemory0 online none\nmemory2 offline Movable Normal\nmemory10 online DMA32\n--- meminfo\nMemTotal:        1959964 kB\n',
    );
    expect(() => formatDump('garbage')).toThrow(/no @@iomem/);
  });

  it('is read back by the trace parser with the same inputs and expected results', () => {
    const p = plan({ devices: [{ ...VMEM, regionSize: '32G' }], timeline: [{ op: 'resize', device: 'vm0', size: '1G' }] });
    const text =
      traceHeader(p, { scenario: 'x.yaml', uname: '6.1.0-57-cloud-amd64', qemuVersion: '10.0.2 Debian', accel: 'tcg', cmdline: kernelCmdline(p), memaddr: 4n << 30n }) +
      traceStep({ index: 0, command: 'boot', sizes: { requested: 0n, plugged: 0n }, dimms: [], result: 'ok', guest: null, dump: formatDump(RAW) }) +
      traceStep({ index: 1, command: 'guest echo offline > /sys/devices/system/memory/memory2/state', sizes: { requested: 1n << 30n, plugged: 1n << 30n }, dimms: [{ id: 'd1', addr: 36n << 30n, size: 512n << 20n }], result: 'ok', guest: { rc: 1, output: 'sh: write error' }, dump: formatDump(RAW) });
    const t = parseTrace(text);
    if (!t.ok) throw new Error(JSON.stringify(t.error));
    expect(t.trace.header).toMatchObject({ kernel: '6.1.0-57-cloud-amd64', onlinePolicy: 'online_movable', device: { id: 'vm0', blockSize: 2n << 20n, memdevSize: 32n << 30n, addr: 4n << 30n, regionEnd: (36n << 30n) - 1n } });
    const s1 = t.trace.steps[1]!;
    expect(s1.input.dimms).toEqual([{ id: 'd1', addr: 36n << 30n, size: 512n << 20n, line: expect.any(Number) }]);
    expect(s1.expected).toMatchObject({ requested: 1n << 30n, plugged: 1n << 30n, result: 'ok', guestRc: 1 });
    expect(s1.expected.blocks?.text).toBe('block_size_bytes 0x8000000\nmemory0 online none\nmemory2 offline Movable Normal\nmemory10 online DMA32\n');
    expect(text).toContain('dimm: d1 addr=0x900000000 size=0x20000000 (512M)\n');
  });
});

