/**
 * include/linux/ioport.h: the IORESOURCE_* flag bits, IORES_DESC_* descriptors, the REGION_* results
 * of region_intersects (include/linux/mm.h) and the range helpers. Flags are unsigned 32-bit numbers.
 */

// ---- IORESOURCE_* (include/linux/ioport.h) -------------------------------------------------------
export const IORESOURCE_BITS = 0x000000ff;
export const IORESOURCE_TYPE_BITS = 0x00001f00;
export const IORESOURCE_IO = 0x00000100;
export const IORESOURCE_MEM = 0x00000200;
export const IORESOURCE_REG = 0x00000300;
export const IORESOURCE_IRQ = 0x00000400;
export const IORESOURCE_DMA = 0x00000800;
export const IORESOURCE_BUS = 0x00001000;
export const IORESOURCE_PREFETCH = 0x00002000;
export const IORESOURCE_READONLY = 0x00004000;
export const IORESOURCE_CACHEABLE = 0x00008000;
export const IORESOURCE_RANGELENGTH = 0x00010000;
export const IORESOURCE_SHADOWABLE = 0x00020000;
export const IORESOURCE_SIZEALIGN = 0x00040000;
export const IORESOURCE_STARTALIGN = 0x00080000;
export const IORESOURCE_MEM_64 = 0x00100000;
export const IORESOURCE_WINDOW = 0x00200000;
export const IORESOURCE_MUXED = 0x00400000;
export const IORESOURCE_EXT_TYPE_BITS = 0x01000000;
export const IORESOURCE_SYSRAM = 0x01000000;
export const IORESOURCE_SYSRAM_DRIVER_MANAGED = 0x02000000;
export const IORESOURCE_SYSRAM_MERGEABLE = 0x04000000;
export const IORESOURCE_EXCLUSIVE = 0x08000000;
export const IORESOURCE_DISABLED = 0x10000000;
export const IORESOURCE_UNSET = 0x20000000;
export const IORESOURCE_AUTO = 0x40000000;
export const IORESOURCE_BUSY = 0x80000000;
export const IORESOURCE_SYSTEM_RAM = 0x01000200;
/** 5.8/5.9 only (and the RFC): the driver-managed bit in the PnP area, replaced by SYSRAM_DRIVER_MANAGED. */
export const IORESOURCE_MEM_DRIVER_MANAGED = 0x00000080;

// ---- IORES_DESC_* --------------------------------------------------------------------------------
export const IORES_DESC_NONE = 0;
export const IORES_DESC_CRASH_KERNEL = 1;
export const IORES_DESC_ACPI_TABLES = 2;
export const IORES_DESC_ACPI_NV_STORAGE = 3;
export const IORES_DESC_PERSISTENT_MEMORY = 4;
export const IORES_DESC_PERSISTENT_MEMORY_LEGACY = 5;
export const IORES_DESC_DEVICE_PRIVATE_MEMORY = 6;
export const IORES_DESC_RESERVED = 7;
export const IORES_DESC_SOFT_RESERVED = 8;
export const IORES_DESC_CXL = 9;

// ---- REGION_* (include/linux/mm.h) ---------------------------------------------------------------
export const REGION_INTERSECTS = 0;
export const REGION_DISJOINT = 1;
export const REGION_MIXED = 2;

/** A plain range with flags, as the ioport.h helpers take it. */
export interface ResRange {
  start: bigint;
  end: bigint;
  flags?: number;
}

/** resource_overlaps(): closed intervals intersect (adjacent ranges do not). */
export function resourceOverlaps(a: ResRange, b: ResRange): boolean {
  return a.start <= b.end && a.end >= b.start;
}

/** resource_contains(): same type, neither UNSET, and `a` covers `b`. */
export function resourceContains(a: ResRange, b: ResRange): boolean {
  const fa = a.flags ?? 0;
  const fb = b.flags ?? 0;
  if ((fa & IORESOURCE_TYPE_BITS) !== (fb & IORESOURCE_TYPE_BITS)) return false;
  if ((fa & IORESOURCE_UNSET) !== 0 || (fb & IORESOURCE_UNSET) !== 0) return false;
  return a.start <= b.start && a.end >= b.end;
}

/** resource_intersection(): the common part, or null when they do not overlap. */
export function resourceIntersection(a: ResRange, b: ResRange): { start: bigint; end: bigint } | null {
  if (!resourceOverlaps(a, b)) return null;
  return { start: a.start > b.start ? a.start : b.start, end: a.end < b.end ? a.end : b.end };
}

/** resource_union(): the span of both, or null when they do not overlap. */
export function resourceUnion(a: ResRange, b: ResRange): { start: bigint; end: bigint } | null {
  if (!resourceOverlaps(a, b)) return null;
  return { start: a.start < b.start ? a.start : b.start, end: a.end > b.end ? a.end : b.end };
}
