/**
 * DeviceKind → factory. A driver registers with one line in FACTORIES (import its factory above),
 * or at run time through registerDeviceFactory() (tests, plug-ins).
 */
import type { DeviceFactory, DeviceKind } from './device.js';
import { createVirtioMem } from './virtio-mem.js';
import { createAcpiDimm } from './acpi-dimm.js';
import { createHvBalloon } from './hv-balloon.js';
import { createXenBalloon } from './xen-balloon.js';

const FACTORIES: Partial<Record<DeviceKind, DeviceFactory>> = {
  'virtio-mem': createVirtioMem,
  'acpi-dimm': createAcpiDimm,
  'hv-balloon': createHvBalloon,
  'xen-balloon': createXenBalloon,
};

/** Registers (or replaces) the factory of a device kind. */
export function registerDeviceFactory(kind: DeviceKind, factory: DeviceFactory): void {
  FACTORIES[kind] = factory;
}

/** The factory for a kind, or undefined when no driver is registered for it. */
export function deviceFactory(kind: DeviceKind): DeviceFactory | undefined {
  return FACTORIES[kind];
}

export function registeredKinds(): DeviceKind[] {
  return Object.keys(FACTORIES) as DeviceKind[];
}
