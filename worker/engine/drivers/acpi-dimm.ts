/**
 * drivers/acpi/acpi_memhotplug.c: an ACPI memory device (QEMU pc-dimm). Hot-add calls
 * __add_memory() once for the DIMM's range, without MHP_MERGE_RESOURCE, so every DIMM is its own
 * top-level "System RAM" resource whatever the strategy (two adjacent DIMMs stay two lines); the
 * new blocks are onlined by the auto-online policy. Eject goes through the ACPI scan code
 * (drivers/acpi/scan.c): every block of the DIMM is offlined, the ones that refuse get one more try,
 * and if one still refuses the blocks offlined on the way are put back online and the eject fails;
 * otherwise the memory is removed. A DIMM the guest could not add has no handler attached, so its
 * eject has nothing to offline or remove: the host just takes it away.
 */
import { EBUSY, EEXIST, EINVAL, errnoName } from '../errno.js';
import { GiB, KiB, alignUp } from '../sizes.js';
import { NIL } from '../kernel/resource.js';
import type { Device, DeviceContext, DeviceFactoryResult, DeviceSpecBase, DeviceState, HostRequest } from './device.js';
import { bytesOf, noDevice, specBase, type DeclBase, type DeviceDriver, type PartialDecl } from './driver.js';

/** An ACPI pc-dimm: one "System RAM" range the host placed at `addr`. */
export interface AcpiDimmSpec extends DeviceSpecBase<'acpi-dimm'> {
  /** Guest-physical address chosen by the host; default: first fit in device memory, block aligned. */
  addr?: bigint;
  size: bigint;
}

/** An ACPI DIMM as a normalized scenario declares it (sizes as decimal strings of bytes). */
export interface AcpiDimmDecl extends DeclBase<'acpi-dimm'> {
  /** Guest physical address QEMU gives the DIMM. */
  addr: string;
  size: string;
  /** Plugged at boot (cold-plugged) or only by a `dimm-add` step. */
  present: boolean;
}

const hex = (x: bigint): string => '0x' + x.toString(16);

type DimmPhase = 'inserted' | 'enabled' | 'failed' | 'eject-pending' | 'ejected';

export class AcpiDimmDevice implements Device {
  readonly kind = 'acpi-dimm' as const;
  readonly id: string;
  readonly addr: bigint;
  readonly size: bigint;
  private readonly nid: number;
  private readonly ctx: DeviceContext;
  private phase: DimmPhase = 'inserted';
  private queued = true;
  private lastError = 0;
  /**
   * The guest added the DIMM's memory (acpi_memory_enable_device() succeeded, or found it there
   * already): the scan handler is attached and the DIMM's memory blocks are its physical nodes.
   */
  private added = false;
  /** The host asked for an eject that the guest has not handled yet. */
  private ejectRequested = false;

  constructor(id: string, addr: bigint, size: bigint, nid: number, ctx: DeviceContext) {
    this.id = id;
    this.addr = addr;
    this.size = size;
    this.nid = nid;
    this.ctx = ctx;
  }

  region(): { start: bigint; end: bigint } {
    return { start: this.addr, end: this.addr + this.size - 1n };
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.ctx.log(`acpi ${this.id}`, level, message);
  }

  request(req: HostRequest): number {
    if (req.type !== 'eject') return EINVAL;
    if (this.phase === 'ejected') return EINVAL;
    this.ejectRequested = true;
    // the hot-add notification is handled before the eject (one ordered ACPI hotplug queue)
    if (this.phase !== 'inserted') this.phase = 'eject-pending';
    this.queued = true;
    return 0;
  }

  work(): 'idle' | 'progress' | 'waiting' {
    if (!this.queued) return 'idle';
    this.queued = false;
    if (this.phase === 'inserted') this.enable();
    if (this.ejectRequested) {
      this.ejectRequested = false;
      this.eject();
    }
    return 'progress';
  }

  /** acpi_memory_enable_device(): __add_memory() of the range (-EEXIST counts as already there). */
  private enable(): void {
    // 5.15+: one static memory group per DIMM (memory_group_register_static)
    const group = this.ctx.profile.blockZoneField ? this.ctx.blocks.registerMemoryGroup({ dynamic: false, bytes: this.size }) : -1;
    const r = this.ctx.hotplug.addMemory(this.nid, this.addr, this.size, { group });
    if (r.err && r.err !== EEXIST) {
      this.lastError = r.err;
      this.phase = 'failed';
      this.log('error', `add_memory failed (${errnoName(r.err)}) for ${hex(this.addr)}-${hex(this.addr + this.size - 1n)}`);
      return;
    }
    this.added = true;
    this.phase = 'enabled';
  }

  /**
   * acpi_scan_hot_remove(): a DIMM whose memory was never added (acpi_memory_device_add() failed
   * and freed its data) has nothing to offline or remove and is ejected at once. Otherwise every
   * memory block is offlined (acpi_scan_try_to_offline()) and, if that worked, __remove_memory()
   * runs and the host takes the DIMM away.
   */
  private eject(): void {
    if (this.phase === 'ejected') return;
    if (!this.added) {
      this.log('info', `eject of ${this.id}: no memory was added, nothing to offline`);
      this.phase = 'ejected';
      this.ctx.detach(this.id);
      return;
    }
    const err = this.tryToOffline();
    if (err) {
      this.lastError = err;
      this.phase = 'enabled';
      return;
    }
    const r = this.ctx.hotplug.removeMemory(this.addr, this.size);
    if (r.err) {
      this.lastError = r.err;
      this.phase = 'enabled';
      this.log('error', `__remove_memory failed (${errnoName(r.err)})`);
      return;
    }
    this.added = false;
    this.phase = 'ejected';
    this.ctx.detach(this.id);
  }

  /**
   * acpi_scan_try_to_offline() over the DIMM's memory blocks (acpi_bus_offline()): a first pass
   * offlines every block and keeps going past refusals; if one refused, a second pass retries the
   * blocks the first pass did not offline and stops at the first that refuses again. Then
   * acpi_bus_online() calls device_online() on every block the passes offlined, which onlines with
   * the plain "online" type (memory_subsys_online(): MMOP_ONLINE), i.e. into the default zone for
   * the zone spans as they are now, not necessarily the zone the block was in. Returns 0 or -EBUSY.
   */
  private tryToOffline(): number {
    const blocks = this.ctx.blocks;
    const first = blocks.blockOf(this.addr);
    const n = Number(this.size / blocks.blockSize);
    const nodes: number[] = [];
    for (let b = first; b < first + n; b++) if (blocks.exists(b)) nodes.push(b);
    // putOnline: offlined by these passes (device_offline() returned 0), to be onlined on failure
    const putOnline = new Set<number>();
    let failed = -1;
    for (const b of nodes) {
      const r = blocks.deviceOffline(b);
      if (r === 0) putOnline.add(b);
      else if (r < 0 && failed < 0) failed = b;
    }
    if (failed < 0) return 0;
    failed = -1;
    for (const b of nodes) {
      if (putOnline.has(b)) continue;
      const r = blocks.deviceOffline(b);
      if (r === 0) putOnline.add(b);
      else if (r < 0) {
        failed = b;
        break;
      }
    }
    if (failed < 0) return 0;
    this.log('warn', `memory${failed}: offline failed; eject of ${this.id} refused`);
    for (const b of nodes) if (putOnline.has(b)) blocks.deviceOnline(b, 'online');
    return EBUSY;
  }

  state(): DeviceState {
    return {
      id: this.id,
      kind: 'acpi-dimm',
      plugged: this.added ? this.size : 0n,
      requested: this.phase === 'ejected' || this.ejectRequested ? 0n : this.size,
      details: { addr: this.addr, size: this.size, phase: this.phase, lastError: this.lastError ? errnoName(this.lastError) : null },
    };
  }
}

/**
 * Creates a DIMM. Without an address it is placed first-fit in device memory (from the 1 GiB
 * boundary above boot RAM and 4 GiB), aligned to the memory block size, avoiding other devices.
 */
export function createAcpiDimm(spec: AcpiDimmSpec, ctx: DeviceContext): DeviceFactoryResult {
  if (typeof spec.size !== 'bigint' || spec.size <= 0n) return { ok: false, error: 'acpi-dimm: size must be a positive size' };
  const rootEnd = ctx.tree.end(ctx.tree.root);
  const addr = spec.addr ?? placeDimm(ctx, spec.size);
  if (typeof addr !== 'bigint' || addr < 0n) return { ok: false, error: 'acpi-dimm: address must be a non-negative integer' };
  if (addr + spec.size - 1n > rootEnd) return { ok: false, error: `acpi-dimm: ${hex(addr)}+${hex(spec.size)} lies beyond the physical address space (${hex(rootEnd)})` };
  for (const r of ctx.deviceRegions()) {
    if (addr <= r.end && r.start <= addr + spec.size - 1n) return { ok: false, error: `acpi-dimm: ${hex(addr)}+${hex(spec.size)} overlaps another memory device` };
  }
  const id = spec.id ?? `dimm${ctx.countOf('acpi-dimm')}`;
  return { ok: true, device: new AcpiDimmDevice(id, addr, spec.size, spec.node ?? 0, ctx) };
}

function placeDimm(ctx: DeviceContext, size: bigint): bigint {
  const t = ctx.tree;
  let base = 4n * GiB;
  for (let c = t.child(t.root); c !== NIL; c = t.sibling(c)) {
    if (t.name(c) === 'System RAM' && t.end(c) + 1n > base) base = alignUp(t.end(c) + 1n, GiB);
  }
  const align = ctx.blocks.blockSize;
  const taken = ctx.deviceRegions().sort((a, b) => (a.start < b.start ? -1 : 1));
  let addr = alignUp(base, align);
  for (const r of taken) {
    if (addr + size - 1n < r.start) break;
    if (r.end >= addr) addr = alignUp(r.end + 1n, align);
  }
  return addr;
}


/** ACPI DIMMs: declaration fields, spec, factory, and QEMU's side (device_add, device_del). */
export const acpiDimmDriver: DeviceDriver<'acpi-dimm', AcpiDimmDecl, AcpiDimmSpec, AcpiDimmDevice, null> = {
  kind: 'acpi-dimm',
  title: 'ACPI pc-dimm: a fixed range the host plugs and ejects whole',
  params: [
    { key: 'addr', type: 'size', required: true, title: 'Address', description: 'Guest-physical address QEMU gives the DIMM; a multiple of 4 KiB.' },
    { key: 'size', type: 'size', required: true, positive: true, ui: 'required', slot: 'size', placeholder: '64G', lane: true, title: 'DIMM size', description: 'Size of the DIMM, e.g. 1G; a multiple of 4 KiB.' },
    { key: 'present', type: 'bool', default: false, title: 'Plugged at boot', description: 'Cold-plugged when the guest boots (true) or plugged only by a dimm-add step (false, the default).' },
  ],
  checkDecl(d, physBits) {
    const [addr, size] = [BigInt(d.addr), BigInt(d.size)];
    if (addr % (4n * KiB) !== 0n || size % (4n * KiB) !== 0n) return [{ message: 'addr and size must be multiples of 4 KiB' }];
    if (addr + size > 1n << BigInt(physBits)) return [{ key: 'size', message: `the DIMM ends beyond the ${physBits}-bit physical address space` }];
    return [];
  },
  toSpec(d: AcpiDimmDecl | PartialDecl<AcpiDimmDecl>): AcpiDimmSpec {
    const spec: AcpiDimmSpec = { ...specBase<'acpi-dimm'>(d), size: BigInt(d.size ?? 0) };
    const addr = bytesOf(d.addr);
    if (addr !== undefined) spec.addr = addr;
    return spec;
  },
  create: createAcpiDimm,
  present: (d) => d.present,
  host: {
    init: () => null,
    // A DIMM cannot change size: 0 asks the guest to eject it.
    resize: (env, size) => (size === 0n && env.device ? env.device.request({ type: 'eject' }) : EINVAL),
    ops: {
      'dimm-add': (env) => {
        if (!env.decl) return noDevice(env.id, 'acpi-dimm');
        if (env.device) return { result: `rejected: DIMM ${env.id} is already plugged` };
        const error = env.attach();
        return error === null ? env.converge() : { result: `rejected: ${error}` };
      },
      'dimm-remove': (env) => {
        if (!env.device) return { result: `rejected: DIMM ${env.id} is not plugged` };
        const rc = env.device.request({ type: 'eject' });
        return rc < 0 ? { result: `rejected: ${errnoName(rc)}` } : env.converge();
      },
    },
    faults: [],
  },
};
