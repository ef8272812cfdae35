/**
 * The runtime tools a recording needs, found on PATH (never npm dependencies): QEMU, a statically
 * linked busybox for the initramfs, and on demand dpkg-deb and depmod (kernel .debs) and xz/zstd
 * (compressed modules). A missing one ends the command with one line saying what to install.
 */
import { accessSync, constants, openSync, readSync, closeSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CliError } from '../errors.js';
import { isStaticElf } from './binaries.js';

/** What to install for each tool (Debian/Ubuntu package names). */
export const INSTALL_HINT: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  busybox: 'busybox-static',
  'dpkg-deb': 'dpkg',
  depmod: 'kmod',
  xz: 'xz-utils',
  zstd: 'zstd',
};

/** The oldest QEMU the recorder drives (Debian 12's 7.2: virtio-mem-pci memaddr, memory-backend reserve=off). */
export const QEMU_MIN: readonly [number, number] = [7, 2];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH (plus /usr/sbin and /sbin, where depmod lives), or null. */
export function findOnPath(name: string, envPath = process.env['PATH'] ?? ''): string | null {
  const dirs = [...envPath.split(path.delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** `name` on PATH or a CliError naming the package to install, and why it is needed. */
export function requireTool(name: string, why: string): string {
  const found = findOnPath(name);
  if (found) return found;
  throw new CliError(`${name} not found on PATH (${why}): install it (Debian/Ubuntu: apt-get install -y ${INSTALL_HINT[name] ?? name})`);
}

/** Reads "QEMU emulator version 10.0.2 (Debian …)" into numbers. */
export function parseQemuVersion(text: string): { major: number; minor: number; micro: number; text: string } | null {
  const m = /version (\d+)\.(\d+)(?:\.(\d+))?([^\n]*)/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0), text: `${m[1]}.${m[2]}.${m[3] ?? 0}${m[4]!.trimEnd()}` };
}

/** Finds QEMU (--qemu or PATH) and checks that it runs and is new enough. */
export function requireQemu(given: string | undefined): { path: string; version: string } {
  const hint = 'install it (Debian/Ubuntu: apt-get install -y qemu-system-x86) or give --qemu PATH';
  const file = given ?? findOnPath('qemu-system-x86_64');
  if (!file) throw new CliError(`QEMU not found (qemu-system-x86_64 on PATH): ${hint}`);
  if (!isExecutable(file)) throw new CliError(`--qemu ${file}: not an executable file; ${hint}`);
  let out: string;
  try {
    out = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new CliError(`${file} --version failed (${(e as Error).message.split('\n')[0]}); ${hint}`);
  }
  const v = parseQemuVersion(out);
  if (!v) throw new CliError(`${file}: cannot read a QEMU version from "${out.split('\n')[0]}"`);
  if (v.major < QEMU_MIN[0] || (v.major === QEMU_MIN[0] && v.minor < QEMU_MIN[1])) {
    throw new CliError(`QEMU ${v.major}.${v.minor}.${v.micro} (${file}) is too old: memhp record needs ${QEMU_MIN.join('.')} or newer (Debian 12: apt-get install -y qemu-system-x86)`);
  }
  return { path: file, version: v.text };
}

/** The first `bytes` bytes of a file. */
export function readHead(file: string, bytes: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A statically linked busybox (the initramfs has no C library), from PATH or /bin. */
export function requireStaticBusybox(): string {
  const hint = 'install busybox-static (Debian/Ubuntu: apt-get install -y busybox-static)';
  const candidates = [findOnPath('busybox'), '/bin/busybox'].filter((f): f is string => !!f && isExecutable(f));
  if (candidates.length === 0) throw new CliError(`busybox not found: ${hint}`);
  for (const file of candidates) if (isStaticElf(readHead(file, 64 * 1024)) === true) return file;
  throw new CliError(`${candidates[0]} is dynamically linked, but the guest's initramfs has no C library: ${hint}`);
}
