/**
 * Kernel version profiles: which merge strategy a kernel uses by default and the version-specific
 * details of the hotplug core, the resource tree and the drivers. A profile is chosen from the
 * guest's `uname -r` (major.minor); the user may still override the strategy ("what if").
 *
 * Sources: kernel/resource.c, mm/memory_hotplug.c, drivers/virtio/virtio_mem.c of the releases
 * named; see `../shared/spec/kernel-semantics.md` §9 and `drivers-and-consumers.md` §1.2 (the
 * spec folder beside the repository).
 */
import type { ResourceSemantics } from './kernel/resource.js';
import { PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName } from './names.js';
import { GiB, MiB } from './sizes.js';

export { PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName };

/** How virtio-mem picks its mode and subblock size in this release. */
export interface VirtioMemProfile {
  /** 'sbm-only': 5.8–5.10 (no Big Block Mode); 'sbm-bbm': 5.11+ picks SBM or BBM at init. */
  modes: 'sbm-only' | 'sbm-bbm';
  /**
   * The smallest subblock: 5.10 takes max(MAX_ORDER chunk = 4 MiB, pageblock, device block);
   * later kernels max(pageblock = 2 MiB, device block).
   */
  minSubblockSize: bigint;
  /** Container "virtioN" requested with IORESOURCE_EXCLUSIVE as well (5.16+; both 6.x here). */
  exclusiveContainer: boolean;
  /** Unplug class order: 5.10 knows only offline/online; 5.11+ splits online by zone. */
  unplugOrder: 'online-offline' | 'by-zone';
  /** Offline threshold for plugging (1 GiB, at least two memory/big blocks). */
  offlineThreshold: bigint;
  /** Retry timer of the worker (ms): starts at min, doubles per expiry, capped at max. */
  retryMinMs: number;
  retryMaxMs: number;
}

export interface Profile {
  name: ProfileName;
  /** Human readable kernel release the profile stands for. */
  release: string;
  defaultStrategy: StrategyName;
  /** The resource.c differences this release selects (passed to the tree as its semantics). */
  resource: ResourceSemantics;
  /** The flag register_memory_resource() sets on non-"System RAM" names: 0x80 in 5.8/5.9 (and the RFC), 0x02000000 from 5.10. */
  driverManagedFlag: number;
  /** offline_and_remove_memory(): 5.8–5.10 accept exactly one memory block, later kernels any aligned range. */
  offlineAndRemoveMultiBlock: boolean;
  /** add_memory()/add_memory_driver_managed() take mhp_t flags (5.10+); before that no merge flag exists. */
  mhpFlags: boolean;
  virtioMem: VirtioMemProfile;
  /** Hyper-V hot-add chunk: fixed 128 MiB until the 2024 change (6.10), then the memory block size. */
  hvChunk: 'fixed-128M' | 'memory-block';
  /** Memory blocks remember the zone they were onlined to (6.x `mem->zone`); 5.x derives it from the pages. */
  blockZoneField: boolean;
}

const VM_2020: VirtioMemProfile = {
  modes: 'sbm-only',
  minSubblockSize: 4n * MiB,
  exclusiveContainer: false,
  unplugOrder: 'online-offline',
  offlineThreshold: 1n * GiB,
  retryMinMs: 50_000,
  retryMaxMs: 300_000,
};

const VM_NOW: VirtioMemProfile = {
  modes: 'sbm-bbm',
  minSubblockSize: 2n * MiB,
  exclusiveContainer: true,
  unplugOrder: 'by-zone',
  offlineThreshold: 1n * GiB,
  retryMinMs: 50_000,
  retryMaxMs: 300_000,
};

export const PROFILES: Record<ProfileName, Profile> = {
  '5.9': {
    name: '5.9',
    release: 'Linux 5.9',
    defaultStrategy: 'none',
    resource: { releaseAdjustable: 'pre-5.10', walkScope: 'top-level', regionIntersects: '5.10', releaseSysramCheck: true, findNextSkipsChildren: true },
    driverManagedFlag: 0x80,
    offlineAndRemoveMultiBlock: false,
    mhpFlags: false,
    virtioMem: VM_2020,
    hvChunk: 'fixed-128M',
    blockZoneField: false,
  },
  'rfc-v1': {
    name: 'rfc-v1',
    release: 'RFCv1 "selective merging of memory resources" (Jul 2020, on 5.8/5.9)',
    defaultStrategy: 'rfc-v1',
    // RFC patch 1/5 already made release_mem_region_adjustable() never fail.
    resource: { releaseAdjustable: '5.10', walkScope: 'top-level', regionIntersects: '5.10', releaseSysramCheck: true, findNextSkipsChildren: true },
    driverManagedFlag: 0x80,
    offlineAndRemoveMultiBlock: false,
    mhpFlags: false,
    virtioMem: VM_2020,
    hvChunk: 'fixed-128M',
    blockZoneField: false,
  },
  '5.10': {
    name: '5.10',
    release: 'Linux 5.10',
    defaultStrategy: 'mhp-merge',
    resource: { releaseAdjustable: '5.10', walkScope: 'top-level', regionIntersects: '5.10', releaseSysramCheck: true, findNextSkipsChildren: true },
    driverManagedFlag: 0x02000000,
    offlineAndRemoveMultiBlock: false,
    mhpFlags: true,
    virtioMem: VM_2020,
    hvChunk: 'fixed-128M',
    blockZoneField: false,
  },
  '6.1': {
    name: '6.1',
    release: 'Linux 6.1',
    defaultStrategy: 'mhp-merge',
    resource: { releaseAdjustable: '5.10', walkScope: 'whole-tree', regionIntersects: '5.10', releaseSysramCheck: false, findNextSkipsChildren: true },
    driverManagedFlag: 0x02000000,
    offlineAndRemoveMultiBlock: true,
    mhpFlags: true,
    virtioMem: VM_NOW,
    hvChunk: 'fixed-128M',
    blockZoneField: true,
  },
  '6.12': {
    name: '6.12',
    release: 'Linux 6.12',
    defaultStrategy: 'mhp-merge',
    resource: { releaseAdjustable: '5.10', walkScope: 'whole-tree', regionIntersects: '6.12', releaseSysramCheck: false, findNextSkipsChildren: true },
    driverManagedFlag: 0x02000000,
    offlineAndRemoveMultiBlock: true,
    mhpFlags: true,
    virtioMem: VM_NOW,
    hvChunk: 'memory-block',
    blockZoneField: true,
  },
};

export function isProfileName(x: unknown): x is ProfileName {
  return typeof x === 'string' && (PROFILE_NAMES as readonly string[]).includes(x);
}

export function isStrategyName(x: unknown): x is StrategyName {
  return typeof x === 'string' && (STRATEGY_NAMES as readonly string[]).includes(x);
}

// Releases a numbered profile stands for, lowest first (the RFC is not a release).
const NUMBERED: readonly { major: number; minor: number; name: ProfileName }[] = [
  { major: 5, minor: 9, name: '5.9' },
  { major: 5, minor: 10, name: '5.10' },
  { major: 6, minor: 1, name: '6.1' },
  { major: 6, minor: 12, name: '6.12' },
];

/**
 * Maps a kernel release string (`uname -r`, e.g. "6.12.95+deb12-cloud-amd64") to a profile by
 * major.minor. An exact match carries no warning; a release between two profiles gets the nearest
 * lower one with a warning; one before 5.9 gets 5.9 with a warning; a string without a version
 * gets 6.12 with a warning. Never throws.
 */
export function profileForKernel(version: string): { profile: Profile; warning?: string } {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(String(version));
  if (!m) return { profile: PROFILES['6.12'], warning: `cannot read a kernel version from "${String(version).slice(0, 80)}"; using profile 6.12` };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const key = major * 1000 + minor;
  const exact = NUMBERED.find((p) => p.major === major && p.minor === minor);
  if (exact) return { profile: PROFILES[exact.name] };
  let best: ProfileName | null = null;
  for (const p of NUMBERED) if (p.major * 1000 + p.minor <= key) best = p.name;
  if (best === null) return { profile: PROFILES['5.9'], warning: `kernel ${major}.${minor} predates every profile; using 5.9` };
  return { profile: PROFILES[best], warning: `no profile for kernel ${major}.${minor}; using the nearest lower one, ${best}` };
}
