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
import { DEFAULT_PROFILE, PROFILE_NAMES, STRATEGY_NAMES, type OnlinePolicy, type ProfileName, type StrategyName } from './names.js';
import { GiB, MiB } from './sizes.js';

export { DEFAULT_PROFILE, PROFILE_NAMES, STRATEGY_NAMES, type ProfileName, type StrategyName };

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
  /** add_memory() checks mhp_range_allowed() first (5.11+): -E2BIG beyond the addressable range. */
  mhpRangeCheck: boolean;
  /**
   * The default online type of the Debian build recorded, i.e. what auto_online_blocks reads with no
   * memhp_default_state= on the command line: "online" where the config sets
   * CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE (6.12) or CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO (6.18,
   * 7.3), "offline" where it sets neither.
   */
  defaultOnlinePolicy: OnlinePolicy;
  /**
   * Removing a hot-added block frees its memmap (struct pages, allocated at add time from
   * ZONE_NORMAL, on a small guest inside an earlier hot-added Normal block). false on 6.18.12:
   * those pages stay allocated in the block that holds them, so it can never be unplugged whole.
   */
  memmapFreedOnRemove: boolean;
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

/** 6.12 (6.12.95, the release the main oracle traces were recorded on), without its name. */
const LINUX_6_12: Omit<Profile, 'name' | 'release'> = {
  defaultStrategy: 'mhp-merge',
  resource: { releaseAdjustable: '5.10', walkScope: 'whole-tree', regionIntersects: '6.12', releaseSysramCheck: false, findNextSkipsChildren: true },
  driverManagedFlag: 0x02000000,
  offlineAndRemoveMultiBlock: true,
  mhpFlags: true,
  virtioMem: VM_NOW,
  hvChunk: 'memory-block',
  blockZoneField: true,
  mhpRangeCheck: true,
  defaultOnlinePolicy: 'online',
  memmapFreedOnRemove: true,
};

/**
 * What 6.18 and 7.3 share: 6.12's behaviour, except that region_intersects() keeps its descendant
 * walk inside the overlapping node since "resource: Avoid unnecessary resource tree walking in
 * __region_intersects()" (6.13; visit counts only).
 */
const SINCE_6_13: Omit<Profile, 'name' | 'release'> = { ...LINUX_6_12, resource: { ...LINUX_6_12.resource, regionIntersects: '6.13' } };

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
    mhpRangeCheck: false,
    defaultOnlinePolicy: 'offline',
    memmapFreedOnRemove: true,
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
    mhpRangeCheck: false,
    defaultOnlinePolicy: 'offline',
    memmapFreedOnRemove: true,
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
    mhpRangeCheck: false,
    defaultOnlinePolicy: 'offline',
    memmapFreedOnRemove: true,
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
    mhpRangeCheck: true,
    defaultOnlinePolicy: 'offline',
    memmapFreedOnRemove: true,
  },
  '6.12': {
    name: '6.12',
    release: 'Linux 6.12',
    ...LINUX_6_12,
  },
  /**
   * 6.18.12 as Debian's trixie-backports cloud build runs it, proven on the traces in
   * test/fixtures/oracle-6.18/. Its hot-plug core, resource tree and virtio-mem behave as 6.12 in
   * every recorded step but one (below); what differs is the boot map (`q35-2g-6.18`: the kernel
   * image lines), MemTotal (2,020 kB lower than 6.12.95; the emulator renders no meminfo, the
   * oracle records it) and the default online type (CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y).
   * The build sets CONFIG_NR_CPUS_DEFAULT=8192: a crash-hotplug kdump setting for it should say
   * `nrCpusDefault: 8192` (the emulator's default leaves crash hotplug off).
   *
   * The one hot-plug difference, modelled (`memmapFreedOnRemove: false`): 6.18.12 never gives back
   * the memmap of a removed hot-added block. With memmap_on_memory=N each 128 MiB block's 2 MiB
   * memmap is allocated from ZONE_NORMAL, which on a 2 GiB guest means the first hot-added block
   * onlined to Normal (memory32); after its block is removed those 2 MiB stay allocated there, so
   * `size 0` in ZONE_NORMAL stops with memory32 partly plugged. Recorded: 66M after
   * 2G → 1G → 3G → 0 (31 memmaps + 4M of slab), 50M after 3G → 0 (23 + 4M), 36M after 2G → 1G → 0
   * (15 + 6M), where 6.12.95 and 7.3.4 leave the slab's 4M. The traces' `hint:` lines give only the
   * slab part, as on 6.12; the model adds the memmaps, so nothing is counted twice. Which kernel
   * change causes it is not established (a candidate: free pages merged across pageblocks of another
   * migratetype dropping out of the per-migratetype free counts; fixed by 7.3).
   */
  '6.18': {
    name: '6.18',
    release: 'Linux 6.18 (6.18.12, Debian trixie-backports)',
    ...SINCE_6_13,
    memmapFreedOnRemove: false,
  },
  /**
   * 7.3.4 (Debian trixie-backports), proven on test/fixtures/oracle-7.3/: the hot-plug part is
   * 6.12's in every recorded step (scenario g leaves 4M, as on 6.12). It differs in the boot map
   * (`q35-2g-7.3`: the kernel image lines, and ACPI names the motherboard reservation under PCI
   * ECAM "PNP0C01:00" instead of "pnp 00:05"), MemTotal (5,984 kB lower than 6.12.95), the default
   * online type (CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y) and CONFIG_NR_CPUS_DEFAULT=8192, as 6.18.
   */
  '7.3': {
    name: '7.3',
    release: 'Linux 7.3 (7.3.4, Debian trixie-backports)',
    ...SINCE_6_13,
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
  { major: 6, minor: 18, name: '6.18' },
  { major: 7, minor: 3, name: '7.3' },
];

/** What profileForKernel() found for a kernel release string. */
export interface KernelProfileMatch {
  /** The profile of that major.minor, else the nearest one (see `exact`). */
  profile: Profile;
  /** True when a profile stands for exactly this major.minor. */
  exact: boolean;
  /** Why the profile is only the nearest one (absent when `exact`). */
  warning?: string;
}

/**
 * Maps a kernel release string (`uname -r`, e.g. "6.12.95+deb12-cloud-amd64") to a profile by
 * major.minor. An exact match carries no warning; a release between two profiles gets the nearest
 * lower one with a warning; one before 5.9 gets 5.9 with a warning; a string without a version
 * gets 6.12 with a warning. `exact` tells the first case from the others. Never throws.
 */
export function profileForKernel(version: string): KernelProfileMatch {
  const m = /^\s*v?(\d+)\.(\d+)/.exec(String(version));
  if (!m) return { profile: PROFILES['6.12'], exact: false, warning: `cannot read a kernel version from "${String(version).slice(0, 80)}"; using profile 6.12` };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const key = major * 1000 + minor;
  const hit = NUMBERED.find((p) => p.major === major && p.minor === minor);
  if (hit) return { profile: PROFILES[hit.name], exact: true };
  let best: ProfileName | null = null;
  for (const p of NUMBERED) if (p.major * 1000 + p.minor <= key) best = p.name;
  if (best === null) return { profile: PROFILES['5.9'], exact: false, warning: `kernel ${major}.${minor} predates every profile; using 5.9` };
  return { profile: PROFILES[best], exact: false, warning: `no profile for kernel ${major}.${minor}; using the nearest lower one, ${best}` };
}
