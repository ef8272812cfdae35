/**
 * The device kinds the lab knows: one line per driver in DRIVERS. A registry is a value built from
 * such a list (`createRegistry`); the machine, the runner and scenario normalization take one
 * (default: BUILTIN_DRIVERS), so a test can add a kind of its own without touching this file.
 */
import { virtioMemDriver, type VirtioMemDecl, type VirtioMemSpec } from './virtio-mem.js';
import { acpiDimmDriver, type AcpiDimmDecl, type AcpiDimmSpec } from './acpi-dimm.js';
import { hvBalloonDriver, type HvBalloonDecl, type HvBalloonSpec } from './hv-balloon.js';
import { xenBalloonDriver, type XenBalloonDecl, type XenBalloonSpec } from './xen-balloon.js';
import type { AnyDriver } from './driver.js';

/** Every built-in device kind, in the order menus list them. */
export const DRIVERS = [virtioMemDriver, acpiDimmDriver, hvBalloonDriver, xenBalloonDriver] as const;

/** A built-in device kind's name. */
export type DeviceKind = (typeof DRIVERS)[number]['kind'];
/** The built-in kinds' names, from DRIVERS. */
export const DEVICE_KINDS: readonly DeviceKind[] = DRIVERS.map((d) => d.kind);
/** A built-in device spec (what `Machine.addDevice` takes). */
export type DeviceSpec = VirtioMemSpec | AcpiDimmSpec | HvBalloonSpec | XenBalloonSpec;
/** A built-in device declaration of a normalized scenario. */
export type DeviceDecl = VirtioMemDecl | AcpiDimmDecl | HvBalloonDecl | XenBalloonDecl;

/** Device kinds by name, built from a list of drivers. */
export interface DriverRegistry {
  /** The drivers in list order. */
  readonly drivers: readonly AnyDriver[];
  /** Their kind names, in list order. */
  readonly kinds: readonly string[];
  /** The driver of `kind`, or undefined when none is registered. */
  get(kind: string): AnyDriver | undefined;
  /** Kinds whose host plays timeline op `op` (`resize`, `soak`, `fault-host`, …). */
  kindsFor(op: string): string[];
}

/** What a driver's host can do with a timeline op. */
function playsOp(d: AnyDriver, op: string): boolean {
  if (op === 'soak') return d.host.soak !== undefined;
  if (op === 'fault-host') return d.host.faults.length > 0;
  return Object.prototype.hasOwnProperty.call(d.host.ops, op);
}

/** A registry over `list`; a kind listed twice is a programming error (throws). */
export function createRegistry(list: readonly AnyDriver[]): DriverRegistry {
  const byKind = new Map<string, AnyDriver>();
  for (const d of list) {
    if (byKind.has(d.kind)) throw new Error(`device kind "${d.kind}" is registered twice`);
    byKind.set(d.kind, d);
  }
  const drivers = [...list];
  return {
    drivers,
    kinds: drivers.map((d) => d.kind),
    get: (kind) => byKind.get(kind),
    kindsFor: (op) => drivers.filter((d) => playsOp(d, op)).map((d) => d.kind),
  };
}

/** The registry of the built-in kinds (DRIVERS). */
export const BUILTIN_DRIVERS: DriverRegistry = createRegistry(DRIVERS);
