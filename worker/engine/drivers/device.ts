/**
 * The one interface every memory-adding driver implements (virtio-mem, ACPI DIMMs, the Hyper-V
 * balloon, the Xen balloon), the fields every spec shares (each driver declares its own spec), the host requests that drive
 * them, and the context the machine hands a driver (the kernel services it may call).
 *
 * A device is two halves: the host side (what QEMU / Hyper-V / Xen does when asked: resize, hot-add,
 * eject) handled synchronously by `request()`, and the guest driver's worker, run by `work()` when
 * the machine settles. A worker that has to wait arms a SimClock timer and reports 'waiting'.
 */
import { NIL, type ResourceTree } from '../kernel/resource.js';
import type { SimClock } from '../clock.js';
import type { MemoryHotplug } from '../mm/memory-hotplug.js';
import type { MemoryBlocks } from '../base/memory.js';
import type { Faults } from '../machine/faults.js';
import type { Profile, StrategyName } from '../profiles.js';
import type { KernelParams } from '../machine/kernel-params.js';
import type { LogLevel } from '../machine/machine-log.js';

/** The fields every device spec has; each driver's file declares its kind's spec on top of these. */
export interface DeviceSpecBase<K extends string = string> {
  kind: K;
  /** Unique within the machine; the driver picks one ("vm0", "dimm0", …) when missing. */
  id?: string;
  /** NUMA node (the emulated guests have one node: 0). */
  node?: number;
}

/**
 * Host-side requests. Each driver handles the ones that make sense for it and answers -EINVAL to
 * the rest; `custom` carries driver-specific requests not listed here.
 */
export type HostRequest =
  /** virtio-mem: set requested-size (QEMU `qom-set vm0 requested-size`). */
  | { type: 'resize'; size: bigint }
  /** ACPI DIMM: the host asks the guest to eject the DIMM (QEMU `device_del`). */
  | { type: 'eject' }
  /** Any device: the host answers BUSY to guest requests while set. */
  | { type: 'set-host-busy'; busy: boolean }
  /** Hyper-V: DM_MEM_HOT_ADD_REQUEST of `pages` 4 KiB pages starting at `startPfn`. */
  | { type: 'hot-add'; startPfn: bigint; pages: bigint; regionStartPfn?: bigint; regionPages?: bigint }
  /** Hyper-V: balloon up / down by `pages` 4 KiB pages. */
  | { type: 'balloon'; pages: bigint }
  | { type: 'unballoon'; pages: bigint }
  /** Xen: new target in bytes (memory/target in xenstore). */
  | { type: 'target'; bytes: bigint }
  | { type: 'custom'; name: string; args?: Record<string, unknown> };

/** A device's per-kind fields: displayable scalars (each driver gives its own typed shape). */
export type DeviceDetails = Record<string, string | number | boolean | bigint | null>;

/** Plain data describing a device; `details` holds the per-kind fields, typed by the driver. */
export interface DeviceState<Details extends DeviceDetails = DeviceDetails> {
  id: string;
  kind: string;
  /** Bytes the guest driver has plugged / added. */
  plugged: bigint;
  /** Bytes the host asked for. */
  requested: bigint;
  details: Details;
}

/** The guest side of one device, as the machine drives it. */
export interface Device<Details extends DeviceDetails = DeviceDetails> {
  readonly id: string;
  /** The driver's kind name ("virtio-mem", …). */
  readonly kind: string;
  /** Host side: 0 or -errno (the host refusing the request); the guest reacts in `work()`. */
  request(req: HostRequest): number;
  /** Runs the guest driver's worker once: 'progress' if it ran, 'waiting' if only a timer is pending, else 'idle'. */
  work(): 'idle' | 'progress' | 'waiting';
  state(): DeviceState<Details>;
}

export type { LogLevel };

/** What the machine lends a driver: the kernel services and a few machine-level hooks. */
export interface DeviceContext {
  readonly tree: ResourceTree;
  readonly clock: SimClock;
  readonly profile: Profile;
  readonly strategy: StrategyName;
  readonly hotplug: MemoryHotplug;
  readonly blocks: MemoryBlocks;
  readonly faults: Faults;
  /** Kernel command-line parameters (module parameters such as virtio_mem.force_bbm); defaults when absent. */
  readonly params?: KernelParams;
  /** Appends to the machine's dmesg-like log. */
  log(source: string, level: LogLevel, message: string): void;
  /** How many devices of this kind were created before (for "virtioN"-style names). */
  countOf(kind: string): number;
  /** Other devices' host-side regions (for placement), excluding `self`. */
  deviceRegions(self?: string): { start: bigint; end: bigint }[];
  /** The device is gone (an ejected DIMM): the machine forgets it. */
  detach(id: string): void;
}

/** What a driver's `create` gives: the probed device, or why the spec was refused. */
export type DeviceFactoryResult<D extends Device = Device> = { ok: true; device: D } | { ok: false; error: string };

/** Host regions of devices that own guest-physical space (used for placement of new devices). */
export interface HasRegion {
  region(): { start: bigint; end: bigint } | null;
}

export function hasRegion(d: Device): d is Device & HasRegion {
  return typeof (d as Partial<HasRegion>).region === 'function';
}

/**
 * Pages of boot "System RAM" at the top level of the tree, i.e. totalram before any hot-add: what the
 * Hyper-V balloon counts as its starting memory and the Xen balloon as get_num_physpages().
 */
export function bootSystemRamPages(tree: ResourceTree): bigint {
  let pages = 0n;
  for (let r = tree.child(tree.root); r !== NIL; r = tree.sibling(r)) {
    if (tree.name(r) === 'System RAM') pages += (tree.end(r) - tree.start(r) + 1n) >> 12n;
  }
  return pages;
}
