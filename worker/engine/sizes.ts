/** Byte sizes and 64-bit address helpers shared by the whole engine. Addresses are exact `bigint`s. */

export const KiB = 1n << 10n;
export const MiB = 1n << 20n;
export const GiB = 1n << 30n;
export const TiB = 1n << 40n;
export const PAGE_SIZE = 4096n;
export const U64_MAX = (1n << 64n) - 1n;

/** Wraps to an unsigned 64-bit value, as the kernel's `resource_size_t` arithmetic does. */
export function u64(x: bigint): bigint {
  return BigInt.asUintN(64, x);
}

const SUFFIX: Record<string, bigint> = { '': 1n, B: 1n, K: KiB, M: MiB, G: GiB, T: TiB, P: TiB * 1024n };

/**
 * Parses a size as QEMU and the oracle write it: a decimal or 0x-hex number with an optional
 * binary suffix K/M/G/T/P (an optional trailing "iB"/"B" is accepted). Returns null when malformed.
 */
export function parseSize(text: string): bigint | null {
  const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s*([KMGTP]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return null;
  const n = BigInt(m[1]!);
  return n * SUFFIX[m[2]!.toUpperCase()]!;
}

/**
 * A byte count given to a driver in code or a payload: a non-negative bigint, a non-negative safe
 * integer, or text `parseSize` reads. Null for anything else.
 */
export function bytesValue(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v >= 0n ? v : null;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v === 'string') return parseSize(v);
  return null;
}

/** "128M", "1G", "130M", "0" — the largest binary unit that divides the size exactly. */
export function formatSize(bytes: bigint): string {
  if (bytes === 0n) return '0';
  for (const [unit, mul] of [['P', TiB * 1024n], ['T', TiB], ['G', GiB], ['M', MiB], ['K', KiB]] as const) {
    if (bytes % mul === 0n) return `${bytes / mul}${unit}`;
  }
  return `${bytes}`;
}

/** Lowercase hex without prefix, zero-padded to at least `width` digits (the kernel's `%0*llx`). */
export function hex(x: bigint, width = 0): string {
  return x.toString(16).padStart(width, '0');
}

export function isPowerOfTwo(x: bigint): boolean {
  return x > 0n && (x & (x - 1n)) === 0n;
}

export function alignUp(x: bigint, align: bigint): bigint {
  return ((x + align - 1n) / align) * align;
}

export function alignDown(x: bigint, align: bigint): bigint {
  return (x / align) * align;
}
