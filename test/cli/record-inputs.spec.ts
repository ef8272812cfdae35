// Kernel inputs as Debian 13 ships them: a linux-binary .deb (vmlinuz in usr/lib/modules/<kver>)
// and a linux-modules .deb (merged /usr, .ko.xz). Built here with dpkg-deb -b; unpacked, moved to
// lib/modules/<kver> for depmod -b, and the module decompressed into the initramfs with xz.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resolveKernelInputs } from '../../main/cli/record/kernel-inputs.js';
import { buildInitramfs, selectModules } from '../../main/cli/record/initramfs.js';
import { CliError } from '../../main/cli/errors.js';
import { fakeBzImage } from './record-fakes.js';

const KVER = '9.9.9+deb13-fake-amd64';

/** A .deb named `name` holding `files` (path -> bytes). */
function deb(dir: string, name: string, files: Record<string, Uint8Array>): string {
  const pkg = path.join(dir, name);
  mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(path.join(pkg, 'DEBIAN/control'), `Package: ${name}\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n`);
  for (const [f, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(pkg, f)), { recursive: true });
    writeFileSync(path.join(pkg, f), data);
  }
  execFileSync('dpkg-deb', ['-b', pkg, `${pkg}.deb`], { stdio: 'ignore' });
  return `${pkg}.deb`;
}

describe('kernel .deb inputs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'memhp-record-debs-'));
  const mod = `usr/lib/modules/${KVER}`;
  const binary = deb(dir, 'linux-binary-fake', { [`${mod}/vmlinuz`]: fakeBzImage(`${KVER} (test@example.org) #1 SMP`) });
  const xzModule = execFileSync('xz', ['-c'], { input: 'virtio_mem, but not really an ELF\n' });
  const modules = deb(dir, 'linux-modules-fake', {
    [`${mod}/kernel/drivers/virtio/virtio_mem.ko.xz`]: xzModule,
    [`${mod}/modules.builtin`]: new TextEncoder().encode('kernel/drivers/virtio/virtio_pci.ko\n'),
  });

  it('unpacks, moves usr/lib/modules where depmod looks, and finds the vmlinuz and the modules', () => {
    const scratch = path.join(dir, 'scratch');
    const k = resolveKernelInputs(binary, [modules], scratch);
    expect(k).toEqual({ kernel: path.join(scratch, 'debs/lib/modules', KVER, 'vmlinuz'), release: KVER, modulesDir: path.join(scratch, 'debs/lib/modules', KVER) });
    expect(existsSync(path.join(scratch, 'debs/usr/lib/modules', KVER))).toBe(false);
    expect(readFileSync(path.join(k.modulesDir!, 'modules.dep'), 'utf8')).toContain('kernel/drivers/virtio/virtio_mem.ko.xz:');
    const sel = selectModules(['virtio_pci', 'virtio_mem'], k.modulesDir, k.release);
    expect(sel).toEqual({ files: ['kernel/drivers/virtio/virtio_mem.ko.xz'], builtin: ['virtio_pci'] });
    const cpio = Buffer.from(gunzipSync(buildInitramfs('/bin/busybox', k.modulesDir, sel.files))).toString('latin1');
    expect(cpio).toContain('lib/modules/virtio_mem.ko\0');
    expect(cpio).toContain('virtio_mem, but not really an ELF\n');
  });

  it('a package without a vmlinuz is refused, naming it', () => {
    expect(() => resolveKernelInputs(modules, [], path.join(dir, 'scratch2'))).toThrow(CliError);
    expect(() => resolveKernelInputs(modules, [], path.join(dir, 'scratch3'))).toThrow(/linux-modules-fake\.deb: no vmlinuz inside/);
  });
});
