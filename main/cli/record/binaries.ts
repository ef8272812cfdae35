/**
 * What the recorder reads from the binaries it is given: the x86 boot header of a kernel image
 * (Documentation/arch/x86/boot.rst) and whether an ELF executable is statically linked.
 */

export type KernelImageInfo = { ok: true; version: string | null; release: string | null } | { ok: false; why: string };

/**
 * Reads a bzImage's real-mode header: the "HdrS" magic at 0x202, the boot protocol version at
 * 0x206 and, from protocol 2.00, the offset (minus 0x200) of the version text at 0x20e, e.g.
 * "6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP …". `release` is its first word
 * (what `uname -r` prints), or null when the header has no version text.
 */
export function readKernelImage(head: Uint8Array): KernelImageInfo {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length >= 4 && view.getUint32(0) === 0x7f454c46) return { ok: false, why: 'an ELF file (an uncompressed vmlinux?), not a bzImage; give the vmlinuz/bzImage' };
  if (head.length < 0x210 || String.fromCharCode(...head.subarray(0x202, 0x206)) !== 'HdrS') return { ok: false, why: 'not a Linux kernel image (no x86 boot header "HdrS" at 0x202)' };
  const protocol = view.getUint16(0x206, true);
  if (protocol < 0x200) return { ok: false, why: `boot protocol ${protocol >> 8}.${(protocol & 0xff).toString().padStart(2, '0')} is too old for QEMU's -kernel` };
  const offset = view.getUint16(0x20e, true);
  const at = 0x200 + offset;
  if (offset === 0 || at >= head.length) return { ok: true, version: null, release: null };
  const end = head.indexOf(0, at);
  const version = new TextDecoder().decode(head.subarray(at, end < 0 ? Math.min(head.length, at + 256) : end)).trim();
  const release = /^(\S+)/.exec(version)?.[1] ?? null;
  return { ok: true, version, release };
}

/** How many bytes readKernelImage needs from the start of the file (the version text lies within). */
export const KERNEL_HEAD_BYTES = 64 * 1024;

/**
 * Whether an ELF executable needs no dynamic loader: no PT_INTERP program header. Null when the
 * bytes are not a 64- or 32-bit little-endian ELF header with its program headers.
 */
export function isStaticElf(bytes: Uint8Array): boolean | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 52 || view.getUint32(0) !== 0x7f454c46 || bytes[5] !== 1) return null;
  const is64 = bytes[4] === 2;
  const phoff = is64 ? Number(view.getBigUint64(0x20, true)) : view.getUint32(0x1c, true);
  const phentsize = view.getUint16(is64 ? 0x36 : 0x2a, true);
  const phnum = view.getUint16(is64 ? 0x38 : 0x2c, true);
  if (phoff + phentsize * phnum > bytes.length) return null;
  for (let i = 0; i < phnum; i++) {
    if (view.getUint32(phoff + i * phentsize, true) === 3) return false;
  }
  return true;
}
