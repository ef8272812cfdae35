/**
 * drivers/acpi/acpi_memhotplug.c: an ACPI memory device (QEMU pc-dimm). Hot-add calls
 * __add_memory() once for the DIMM's range, without MHP_MERGE_RESOURCE, so every DIMM is its own
 * top-level "System RAM" resource whatever the strategy (two adjacent DIMMs stay two lines); the
 * new blocks are onlined by the auto-online policy. Eject offlines every block of the DIMM (rolling
 * back and failing the eject if one refuses) and then removes the memory.
 */
import { EEXIST, EINVAL, errnoName } from '../errno.js';
import { GiB, alignUp } from '../sizes.js';
import { NIL } from '../kernel/resource.js';
import { ZONE_MOVABLE } from '../base/memory.js';
import type { Device, DeviceContext, DeviceFactoryResult, DeviceSpec, DeviceState, HostRequest } from './device.js';

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
    this.phase = 'eject-pending';
    this.queued = true;
    return 0;
  }

  work(): 'idle' | 'progress' | 'waiting' {
    if (!this.queued) return 'idle';
    this.queued = false;
    if (this.phase === 'inserted') this.enable();
    else if (this.phase === 'eject-pending') this.eject();
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
    this.phase = 'enabled';
  }

  /**
   * acpi_scan_hot_remove(): offline every memory block (device_offline), re-onlining the ones done
   * so far if any refuses (the eject fails and the DIMM stays); then __remove_memory().
   */
  private eject(): void {
    if (this.phase !== 'eject-pending') return;
    const blocks = this.ctx.blocks;
    const first = blocks.blockOf(this.addr);
    const n = Number(this.size / blocks.blockSize);
    const done: { block: number; type: 'online_kernel' | 'online_movable' }[] = [];
    for (let b = first; b < first + n; b++) {
      if (!blocks.exists(b)) continue;
      const movable = blocks.zoneOf(b) === ZONE_MOVABLE;
      const r = blocks.deviceOffline(b);
      if (r < 0) {
        for (const d of done) blocks.deviceOnline(d.block, d.type);
        this.lastError = r;
        this.phase = 'enabled';
        this.log('warn', `memory${b}: offline failed (${errnoName(r)}); eject of ${this.id} failed`);
        return;
      }
      if (r === 0) done.push({ block: b, type: movable ? 'online_movable' : 'online_kernel' });
    }
    const r = this.ctx.hotplug.removeMemory(this.addr, this.size);
    if (r.err) {
      this.lastError = r.err;
      this.phase = 'enabled';
      this.log('error', `__remove_memory failed (${errnoName(r.err)})`);
      return;
    }
    this.phase = 'ejected';
    this.ctx.detach(this.id);
  }

  state(): DeviceState {
    return {
      id: this.id,
      kind: 'acpi-dimm',
      plugged: this.phase === 'enabled' || this.phase === 'eject-pending' ? this.size : 0n,
      requested: this.phase === 'ejected' || this.phase === 'eject-pending' ? 0n : this.size,
      details: { addr: this.addr, size: this.size, phase: this.phase, lastError: this.lastError ? errnoName(this.lastError) : null },
    };
  }
}

/**
 * Creates a DIMM. Without an address it is placed first-fit in device memory (from the 1 GiB
 * boundary above boot RAM and 4 GiB), aligned to the memory block size, avoiding other devices.
 */
export function createAcpiDimm(spec: DeviceSpec, ctx: DeviceContext): DeviceFactoryResult {
  if (spec.kind !== 'acpi-dimm') return { ok: false, error: `acpi-dimm factory given a ${spec.kind} spec` };
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

