/**
 * The recording guest's initramfs: busybox-static, /init (guest-init.ts), /dev/console, and the
 * modules the plan needs with their dependencies (modules.dep), decompressed on the host (busybox
 * insmod reads plain .ko files; xz and zstd through their tools, as Node has neither codec),
 * listed in load order in /etc/memhp/modules. Written as a gzip-compressed newc cpio archive.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CliError } from '../errors.js';
import { writeCpio, type CpioEntry } from './cpio.js';
import { GUEST_INIT, MODULE_LIST } from './guest-init.js';
import { moduleClosure, moduleName, parseModulesBuiltin, parseModulesDep } from './modules-dep.js';
import { requireTool } from './tools.js';

export interface ModuleSelection {
  /** Files relative to the modules directory, in load order. */
  files: string[];
  /** Wanted modules that are built into the kernel. */
  builtin: string[];
}

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The module files for `wanted`, or a CliError naming the first module the kernel lacks. */
export function selectModules(wanted: readonly string[], modulesDir: string | null, release: string | null): ModuleSelection {
  if (wanted.length === 0) return { files: [], builtin: [] };
  if (modulesDir === null) {
    throw new CliError(`no modules for ${release ?? 'this kernel'} (the scenario needs ${wanted.join(', ')}): give --modules lib/modules/<kver> or the kernel's .deb files`);
  }
  const dep = parseModulesDep(readOptional(path.join(modulesDir, 'modules.dep')));
  const builtin = parseModulesBuiltin(readOptional(path.join(modulesDir, 'modules.builtin')));
  const r = moduleClosure(wanted, dep, builtin);
  if (!r.ok) throw new CliError(`module ${r.missing} is missing: not in ${path.join(modulesDir, 'modules.dep')} and not built into the kernel (modules.builtin)`);
  return { files: r.files, builtin: r.builtin };
}

/** A module file's contents, decompressed. */
function moduleBytes(file: string): Uint8Array {
  if (file.endsWith('.ko')) return readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(readFileSync(file));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : null;
  if (!tool) throw new CliError(`${file}: not a kernel module (.ko, .ko.xz, .ko.zst or .ko.gz)`);
  const bin = requireTool(tool, `to decompress ${path.basename(file)}`);
  return execFileSync(bin, ['-dc', file], { maxBuffer: 256 * 1024 * 1024 });
}

/** The archive's members: directories first, then busybox, /init, the modules and their list. */
export function initramfsEntries(busybox: Uint8Array, modules: { name: string; data: Uint8Array }[]): CpioEntry[] {
  const entries: CpioEntry[] = ['bin', 'dev', 'etc', 'etc/memhp', 'lib', 'lib/modules', 'proc', 'sys', 'tmp'].map((p) => ({ kind: 'dir', path: p }));
  entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  entries.push({ kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 });
  entries.push({ kind: 'file', path: 'init', data: new TextEncoder().encode(GUEST_INIT), mode: 0o755 });
  for (const m of modules) entries.push({ kind: 'file', path: `lib/modules/${m.name}.ko`, data: m.data });
  entries.push({ kind: 'file', path: MODULE_LIST, data: new TextEncoder().encode(modules.map((m) => `${m.name}.ko\n`).join('')) });
  return entries;
}

/** Builds the gzip'd initramfs from busybox and the selected module files. */
export function buildInitramfs(busyboxPath: string, modulesDir: string | null, files: readonly string[]): Uint8Array {
  const modules = files.map((f) => ({ name: moduleName(f), data: moduleBytes(path.join(modulesDir ?? '', f)) }));
  return gzipSync(writeCpio(initramfsEntries(readFileSync(busyboxPath), modules)), { level: 6 });
}
