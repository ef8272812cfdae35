/**
 * A writer for the "newc" cpio archive the kernel unpacks as its initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Every member is a 110-byte ASCII
 * header of 8-digit hex fields, the NUL-terminated name padded to 4 bytes, then the data padded to
 * 4 bytes; a member named "TRAILER!!!" ends the archive. Owner is always root, times are 0, so the
 * same inputs give the same bytes.
 */

/** One member of the archive. Paths are relative ("bin/busybox"), without a leading slash. */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';

function field(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The header, name and data of one member, with the padding newc asks for. */
function member(ino: number, mode: number, data: Uint8Array, name: string, rdev: [number, number] = [0, 0], nlink = 1): Uint8Array[] {
  const nameBytes = new TextEncoder().encode(name + '\0');
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const header = new TextEncoder().encode(MAGIC + fields.map(field).join(''));
  return [header, nameBytes, new Uint8Array(pad4(header.length + nameBytes.length)), data, new Uint8Array(pad4(data.length))];
}

function checkPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '')) throw new Error(`cpio: bad member path "${path}"`);
}

/** Builds a newc archive of the entries, in the order given (a directory must come before its members). */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let ino = 1;
  for (const e of entries) {
    checkPath(e.path);
    switch (e.kind) {
      case 'dir':
        parts.push(...member(ino++, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), e.path, [0, 0], 2));
        break;
      case 'file':
        parts.push(...member(ino++, S_IFREG | (e.mode ?? 0o644), e.data, e.path));
        break;
      case 'symlink':
        parts.push(...member(ino++, S_IFLNK | 0o777, new TextEncoder().encode(e.target), e.path));
        break;
      case 'chardev':
        parts.push(...member(ino++, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), e.path, [e.major, e.minor]));
        break;
    }
  }
  parts.push(...member(0, 0, new Uint8Array(0), TRAILER));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
