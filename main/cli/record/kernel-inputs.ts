/**
 * The kernel to boot and the module tree to take modules from, from `--kernel` and `--modules`:
 * a vmlinuz/bzImage (its modules found beside it in lib/modules/<kver>, or in /lib/modules/<kver>),
 * a `lib/modules/<kver>` directory, or kernel `.deb` files (Debian 13 splits one kernel into
 * linux-binary, linux-modules and linux-base). Debs are unpacked with `dpkg-deb -x` into a scratch
 * tree; a merged-/usr `usr/lib/modules/<kver>` is moved to `lib/modules/<kver>`, where
 * `depmod -b` looks, and depmod writes modules.dep there.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CliError } from '../errors.js';
import { KERNEL_HEAD_BYTES, readKernelImage } from './binaries.js';
import { readHead, requireTool } from './tools.js';

export interface KernelInputs {
  /** The bzImage QEMU boots. */
  kernel: string;
  /** Its release (uname -r) from the image header, when the header has one. */
  release: string | null;
  /** lib/modules/<kver> with a modules.dep, or null when none was found (fine if no module is needed). */
  modulesDir: string | null;
}

const isDeb = (f: string): boolean => f.endsWith('.deb');

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function run(tool: string, args: string[], what: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').pop();
    throw new CliError(`${what} failed: ${stderr || (e as Error).message.split('\n')[0]}`);
  }
}

/** Unpacks debs into `tree`, moves merged-/usr modules to lib/modules and runs depmod for each release there. */
export function unpackDebs(debs: readonly string[], tree: string): void {
  const dpkgDeb = requireTool('dpkg-deb', 'to unpack kernel .deb files');
  mkdirSync(tree, { recursive: true });
  for (const deb of debs) {
    if (!existsSync(deb)) throw new CliError(`${deb}: no such file`);
    run(dpkgDeb, ['-x', deb, tree], `dpkg-deb -x ${deb}`);
  }
  const usrModules = path.join(tree, 'usr/lib/modules');
  const modules = path.join(tree, 'lib/modules');
  if (isDir(usrModules)) {
    mkdirSync(modules, { recursive: true });
    for (const kver of readdirSync(usrModules)) {
      if (!existsSync(path.join(modules, kver))) renameSync(path.join(usrModules, kver), path.join(modules, kver));
    }
  }
  if (!isDir(modules)) return;
  const depmod = requireTool('depmod', 'to write modules.dep for the unpacked kernel');
  for (const kver of readdirSync(modules)) if (isDir(path.join(modules, kver, 'kernel'))) run(depmod, ['-b', tree, kver], `depmod -b ${tree} ${kver}`);
}

/** The vmlinuz inside an unpacked tree: boot/vmlinuz-<kver>, or lib/modules/<kver>/vmlinuz (Debian 13's 7.x). */
function findVmlinuz(tree: string, debs: readonly string[]): string {
  const boot = path.join(tree, 'boot');
  const inBoot = isDir(boot) ? readdirSync(boot).filter((f) => f.startsWith('vmlinuz-')) : [];
  if (inBoot.length > 0) return path.join(boot, inBoot.sort()[0]!);
  const modules = path.join(tree, 'lib/modules');
  for (const kver of isDir(modules) ? readdirSync(modules) : []) {
    const f = path.join(modules, kver, 'vmlinuz');
    if (existsSync(f)) return f;
  }
  throw new CliError(`${debs.join(', ')}: no vmlinuz inside (looked for boot/vmlinuz-* and usr/lib/modules/*/vmlinuz); give the linux-image (or linux-binary) package`);
}

/** Reads the image header, refusing files that are not x86 kernels. */
function checkKernelImage(file: string): string | null {
  let head: Uint8Array;
  try {
    if (!statSync(file).isFile()) throw new CliError(`--kernel ${file}: not a file`);
    head = readHead(file, KERNEL_HEAD_BYTES);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`--kernel ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  const info = readKernelImage(head);
  if (!info.ok) throw new CliError(`--kernel ${file}: ${info.why}`);
  return info.release;
}

/** lib/modules/<kver> under `root` for `release`, or the only release there when the release is unknown. */
function modulesUnder(root: string, release: string | null): string | null {
  const dir = path.join(root, 'lib/modules');
  if (release !== null) return isDir(path.join(dir, release)) ? path.join(dir, release) : null;
  const all = isDir(dir) ? readdirSync(dir).filter((k) => isDir(path.join(dir, k))) : [];
  return all.length === 1 ? path.join(dir, all[0]!) : null;
}

/** A --modules directory: lib/modules/<kver> itself, or a lib/modules holding that release. */
function checkModulesDir(dir: string, release: string | null): string {
  if (!isDir(dir)) throw new CliError(`--modules ${dir}: not a directory or .deb`);
  const inner = release !== null && isDir(path.join(dir, release)) ? path.join(dir, release) : dir;
  if (!existsSync(path.join(inner, 'modules.dep'))) throw new CliError(`--modules ${dir}: no modules.dep (give the kernel's lib/modules/<kver> directory; run depmod -b <root> <kver> first)`);
  const kver = path.basename(inner);
  // Only a directory named like a release can be told to be the wrong one.
  if (release !== null && /^\d+\.\d+/.test(kver) && kver !== release) throw new CliError(`--modules ${dir} is for ${kver}, but the kernel image is ${release}`);
  return inner;
}

/** Resolves --kernel and --modules; debs are unpacked under `scratch`. */
export function resolveKernelInputs(kernelArg: string, modulesArgs: readonly string[], scratch: string): KernelInputs {
  const debs = [kernelArg, ...modulesArgs].filter(isDeb);
  const dirs = modulesArgs.filter((m) => !isDeb(m));
  if (dirs.length > 1) throw new CliError(`--modules: give one directory (or .deb files), got ${dirs.length}`);
  if (dirs.length === 1 && debs.some((d) => d !== kernelArg)) throw new CliError('--modules: give either a directory or .deb files, not both');
  const tree = path.join(scratch, 'debs');
  if (debs.length > 0) unpackDebs(debs, tree);
  const kernel = isDeb(kernelArg) ? findVmlinuz(tree, [kernelArg]) : kernelArg;
  const release = checkKernelImage(kernel);
  let modulesDir: string | null;
  if (dirs.length === 1) modulesDir = checkModulesDir(dirs[0]!, release);
  else if (debs.length > 0) modulesDir = modulesUnder(tree, release);
  else modulesDir = modulesUnder(path.dirname(kernel), release) ?? (release ? modulesUnder('/', release) : null);
  return { kernel, release, modulesDir };
}
