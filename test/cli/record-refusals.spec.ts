// `memhp record` refuses before anything boots, in one line each: steps a VM cannot play (a Xen
// step), a kernel image that is not a kernel, a missing or too old QEMU, a module the kernel lacks.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fakeBzImage } from './record-fakes.js';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'out/cli/memhp.js');
const FIXTURE = path.join(root, 'test/fixtures/record/grow-split-dimm.yaml');
let dir = '';
let fakeKernel = '';

function memhp(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-record-refusals-'));
  // A kernel image header and a module tree with virtio but without virtio_mem / virtio_pci.
  const kver = '6.1.0-99-fake-amd64';
  fakeKernel = path.join(dir, 'fake', 'vmlinuz');
  mkdirSync(path.join(dir, 'fake/lib/modules', kver, 'kernel/drivers/virtio'), { recursive: true });
  writeFileSync(fakeKernel, fakeBzImage(`${kver} (fake@example.org) #1 SMP`));
  writeFileSync(path.join(dir, 'fake/lib/modules', kver, 'modules.dep'), 'kernel/drivers/virtio/virtio_ring.ko:\nkernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n');
  writeFileSync(path.join(dir, 'fake/lib/modules', kver, 'modules.builtin'), 'kernel/drivers/virtio/virtio_pci.ko\n');
  writeFileSync(path.join(dir, 'not-a-kernel'), '#!/bin/sh\necho this is a shell script\n'.repeat(100));
  writeFileSync(
    path.join(dir, 'xen.yaml'),
    `name: xen-and-virtio-mem
seed: 1
machine: { boot: q35-2g, blockSize: 128M, physBits: 46, onlinePolicy: online_movable }
devices:
  - { kind: virtio-mem, id: vm0, addr: 4G, regionSize: 8G, blockSize: 2M }
  - { kind: xen-balloon, id: xen0 }
timeline:
  - { op: resize, device: vm0, size: 1G }
  - { op: xen-target, device: xen0, by: +128M, label: raise the Xen target }
  - { op: resize, device: vm0, size: 0 }
`,
  );
});

describe('memhp record refusals (built CLI, nothing boots)', () => {
  it('a Xen step: one line for the device and one naming the step, before the kernel is even looked at', () => {
    const r = memhp(['record', 'xen.yaml', '--kernel', 'no-such-kernel']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'memhp: xen.yaml: cannot be recorded in a VM (2 refusals); nothing was booted:\n' +
        '  devices[1] (xen-balloon xen0): a QEMU VM has no Xen balloon (Xen guests need a Xen hypervisor)\n' +
        '  step 2 (raise the Xen target): a Xen balloon target needs a Xen hypervisor\n',
    );
    expect(existsSync(path.join(dir, 'xen-and-virtio-mem.trace.txt'))).toBe(false);
  });

  it('a kernel image that is not a kernel', () => {
    const r = memhp(['record', FIXTURE, '--kernel', 'not-a-kernel', '--accel', 'tcg']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('memhp: --kernel not-a-kernel: not a Linux kernel image (no x86 boot header "HdrS" at 0x202)\n');
  });

  it('a missing QEMU: on PATH, or given with --qemu', () => {
    const onPath = memhp(['record', FIXTURE, '--kernel', fakeKernel], { ...process.env, PATH: path.join(dir, 'empty-bin') });
    expect(onPath.code).toBe(1);
    expect(onPath.err).toBe('memhp: QEMU not found (qemu-system-x86_64 on PATH): install it (Debian/Ubuntu: apt-get install -y qemu-system-x86) or give --qemu PATH\n');
    const given = memhp(['record', FIXTURE, '--kernel', fakeKernel, '--qemu', '/nonexistent/qemu-system-x86_64']);
    expect(given.err).toBe('memhp: --qemu /nonexistent/qemu-system-x86_64: not an executable file; install it (Debian/Ubuntu: apt-get install -y qemu-system-x86) or give --qemu PATH\n');
  });

  it('a QEMU too old to drive', () => {
    const old = path.join(dir, 'qemu-6.2');
    writeFileSync(old, '#!/bin/sh\necho "QEMU emulator version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6)"\n', { mode: 0o755 });
    const r = memhp(['record', FIXTURE, '--kernel', fakeKernel, '--qemu', old]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`memhp: QEMU 6.2.0 (${old}) is too old: memhp record needs 7.2 or newer (Debian 12: apt-get install -y qemu-system-x86)\n`);
  });

  it('a module the kernel lacks (modules found beside the vmlinuz; virtio_pci built in, virtio_mem nowhere)', () => {
    const r = memhp(['record', FIXTURE, '--kernel', fakeKernel, '--accel', 'tcg']);
    expect(r.code).toBe(1);
    const dep = path.join(dir, 'fake/lib/modules/6.1.0-99-fake-amd64/modules.dep');
    expect(r.err).toBe(`memhp: module virtio_mem is missing: not in ${dep} and not built into the kernel (modules.builtin)\n`);
  });

  it('--modules for another release than the image', () => {
    const other = path.join(dir, 'other/lib/modules/6.12.0-1-fake-amd64');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'modules.dep'), '');
    const r = memhp(['record', FIXTURE, '--kernel', fakeKernel, '--modules', other, '--accel', 'tcg']);
    expect(r.err).toBe(`memhp: --modules ${other} is for 6.12.0-1-fake-amd64, but the kernel image is 6.1.0-99-fake-amd64\n`);
  });

  it('a bad --accel and a missing --kernel', () => {
    expect(memhp(['record', FIXTURE, '--kernel', fakeKernel, '--accel', 'xen']).err).toBe('memhp: --accel: one of auto, kvm, tcg, got "xen"\n');
    expect(memhp(['record', FIXTURE]).err).toBe('memhp: --kernel <vmlinuz|bzImage|kernel .deb> is required\n');
  });
});
