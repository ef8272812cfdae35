/**
 * drivers/virtio/virtio_mem.c (guest driver) plus the host side of QEMU's virtio-mem-pci device.
 *
 * Host: `requested-size` (multiple of the device block size, at most the region), the usable region
 * (requested + 256 MiB, block aligned, grows only), plugged size, BUSY answers on demand.
 * Guest: at probe the whole region becomes a top-level container "virtioN" (requested busy, then
 * BUSY cleared; EXCLUSIVE as well from 5.16), then the worker plugs and unplugs:
 * - Sub Block Mode (SBM) when a subblock is smaller than a memory block: memory is added and
 *   removed per memory block, plugged per subblock; plug fills partially plugged blocks first,
 *   then reuses unused blocks lowest first, then takes new blocks upward; unplug walks the state
 *   classes offline-partial → offline → movable-partial → kernel-partial → movable → kernel
 *   (5.10: offline-partial → offline → online-partial → online), each from the highest block
 *   down, subblocks from the top, skipping busy ones of online blocks.
 * - Big Block Mode (BBM) otherwise (5.11+): whole big blocks, three passes when unplugging
 *   (offline only, movable only, any), highest first.
 * Adding stops with -ENOSPC while the added-but-offline memory would pass the offline threshold
 * (1 GiB, at least two blocks); -EBUSY / -ETXTBSY / -ENOMEM arm the retry timer (50 s doubling to
 * 300 s) on the SimClock.
 */
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_SYSTEM_RAM,
  NIL,
  type NameId,
  type Res,
} from '../kernel/resource.js';
import { EAGAIN, EBUSY, EINVAL, ENODEV, ENOMEM, ENOSPC, ETXTBSY, errnoName } from '../errno.js';
import { GiB, KiB, MiB, alignUp, formatSize, isPowerOfTwo } from '../sizes.js';
import { ZONE_MOVABLE, type MemoryNotify } from '../base/memory.js';
import type { Device, DeviceContext, DeviceFactoryResult, DeviceSpecBase, DeviceState, HostRequest } from './device.js';
import { bytesOf, fmtBytes, noDevice, specBase, type DeclBase, type DeviceDriver, type HostEnv, type HostOutcome, type PartialDecl } from './driver.js';

/** A virtio-mem-pci device (QEMU properties: memaddr, memdev size, block-size, requested-size). */
export interface VirtioMemSpec extends DeviceSpecBase<'virtio-mem'> {
  /** Start of the device region; default: the first free 1 GiB-aligned address above 4 GiB and boot RAM. */
  addr?: bigint;
  /** Region size = the memory backend's size. */
  regionSize: bigint;
  /** Device block size (QEMU default 2 MiB on x86-64). */
  blockSize?: bigint;
  /** requested-size at creation (default 0). */
  requested?: bigint;
  /** Memory the host still has plugged when the driver probes (after a reboot): forces UNPLUG_ALL. */
  plugged?: bigint;
  /** Name of the container resource, "virtioN" (default: virtio + the number of virtio-mem devices so far). */
  name?: string;
}

/** A virtio-mem device as a normalized scenario declares it (sizes as decimal strings of bytes). */
export interface VirtioMemDecl extends DeclBase<'virtio-mem'> {
  /** Start of the device region (QEMU memaddr); default 4 GiB, the q35 device-memory base. */
  addr: string;
  /** Region size (the memdev size). */
  regionSize: string;
  /** Device block size (QEMU block-size); a power of two ≥ 4 KiB. */
  blockSize: string;
  /** requested-size at boot (usually 0). */
  requestedSize: string;
}

// enum virtio_mem_sbm_mb_state (6.x numbering; 5.10 maps ONLINE to KERNEL, ONLINE_PARTIAL to KERNEL_PARTIAL)
const MB_UNUSED = 0;
const MB_PLUGGED = 1;
const MB_OFFLINE = 2;
const MB_OFFLINE_PARTIAL = 3;
const MB_KERNEL = 4;
const MB_KERNEL_PARTIAL = 5;
const MB_MOVABLE = 6;
const MB_MOVABLE_PARTIAL = 7;
const MB_STATE_NAMES = ['unused', 'plugged', 'offline', 'offline-partial', 'kernel', 'kernel-partial', 'movable', 'movable-partial'];

// enum virtio_mem_bbm_bb_state
const BB_UNUSED = 0;
const BB_PLUGGED = 1;
const BB_ADDED = 2;
const BB_FAKE_OFFLINE = 3;

// Host responses (VIRTIO_MEM_RESP_*)
const RESP_ACK = 0;
const RESP_NACK = 1;
const RESP_BUSY = 2;
const RESP_ERROR = 3;

/** QEMU's VIRTIO_MEM_USABLE_EXTENT on x86: the usable region runs this far past requested-size. */
const USABLE_EXTENT = 256n * MiB;
const DEFAULT_DEVICE_BLOCK = 2n * MiB;
/** Guard for the worker's "retry immediately" loop (-EAGAIN). */
const MAX_EAGAIN_LOOPS = 64;

const hex = (x: bigint): string => '0x' + x.toString(16);

/** A growable bitmap (one bit per subblock). */
class Bitmap {
  private words = new Uint32Array(64);
  private ensure(bit: number): void {
    const w = bit >>> 5;
    if (w < this.words.length) return;
    let n = this.words.length;
    while (n <= w) n *= 2;
    const b = new Uint32Array(n);
    b.set(this.words);
    this.words = b;
  }
  test(bit: number): boolean {
    const w = bit >>> 5;
    return w < this.words.length && (this.words[w]! & (1 << (bit & 31))) !== 0;
  }
  set(bit: number, count: number, on: boolean): void {
    this.ensure(bit + count - 1);
    for (let i = bit; i < bit + count; i++) {
      if (on) this.words[i >>> 5]! |= 1 << (i & 31);
      else this.words[i >>> 5]! &= ~(1 << (i & 31));
    }
  }
}

/** A growable byte array of per-block states with per-state counters (mb_count / bb_count). */
class StateArray {
  private a = new Uint8Array(64);
  readonly count: number[];
  length = 0;
  constructor(states: number) {
    this.count = new Array<number>(states).fill(0);
  }
  /** prepare_next_mb/bb: one more entry, UNUSED. */
  push(): void {
    if (this.length === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = 0;
    this.count[0]!++;
  }
  get(i: number): number {
    return this.a[i]!;
  }
  set(i: number, s: number): void {
    const old = this.a[i]!;
    this.count[old]!--;
    this.a[i] = s;
    this.count[s]!++;
  }
}

interface HostState {
  addr: bigint;
  regionSize: bigint;
  blockSize: bigint;
  requested: bigint;
  plugged: bigint;
  usable: bigint;
  busy: boolean;
  /** What the host answers to PLUG/UNPLUG besides BUSY: normally ACK; a fault can force NACK or ERROR. */
  response: 'ack' | 'nack' | 'error';
}

export class VirtioMemDevice implements Device {
  readonly kind = 'virtio-mem' as const;
  readonly id: string;
  private readonly ctx: DeviceContext;
  private readonly host: HostState;
  private readonly nid: number;
  /** "virtioN". */
  readonly resourceLabel: string;
  private parentResource: Res = NIL;
  private resourceName: NameId | null = null;

  // guest driver state (struct virtio_mem)
  private pluggedSize = 0n;
  private requestedSize = 0n;
  private usableRegionSize = 0n;
  private offlineSize = 0n;
  private offlineThreshold = 0n;
  private inSbm = true;
  private unplugAllRequired = false;
  private configChanged = false;
  private broken = false;
  private queued = false;
  private wqActive = false;
  private retryTimerMs: number;
  private timerId: number | null = null;
  private readonly mbSize: bigint;
  // SBM
  private firstMbId = 0;
  private lastUsableMbId = -1;
  private nextMbId = 0;
  private sbSize = 0n;
  private sbsPerMb = 0;
  private haveUnpluggedMb = false;
  private mbStates = new StateArray(8);
  private sbStates = new Bitmap();
  // BBM
  private bbSize = 0n;
  private firstBbId = 0;
  private lastUsableBbId = -1;
  private nextBbId = 0;
  private bbStates = new StateArray(4);
  private lastRc = 0;
  /** The dynamic memory group of the device (5.15+), -1 before. */
  private mgid = -1;

  constructor(id: string, spec: VirtioMemSpec, addr: bigint, label: string, ctx: DeviceContext) {
    this.id = id;
    this.ctx = ctx;
    this.nid = spec.node ?? 0;
    this.resourceLabel = label;
    this.mbSize = ctx.blocks.blockSize;
    this.retryTimerMs = ctx.profile.virtioMem.retryMinMs;
    const blockSize = spec.blockSize ?? DEFAULT_DEVICE_BLOCK;
    this.host = { addr, regionSize: spec.regionSize, blockSize, requested: 0n, plugged: spec.plugged ?? 0n, usable: 0n, busy: false, response: 'ack' };
    this.resizeUsableRegion(spec.requested ?? 0n, false);
    this.host.requested = spec.requested ?? 0n;
    if (this.host.plugged > this.host.usable) this.host.usable = alignUp(this.host.plugged, blockSize);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.ctx.log(`virtio_mem ${this.resourceLabel}`, level, message);
  }

  region(): { start: bigint; end: bigint } {
    return { start: this.host.addr, end: this.host.addr + this.host.regionSize - 1n };
  }

  // ================================================================== host side (QEMU)

  /** virtio_mem_resize_usable_region(): requested + extent, block aligned, only grows unless allowed to shrink. */
  private resizeUsableRegion(requested: bigint, canShrink: boolean): void {
    let size = requested + USABLE_EXTENT;
    if (size > this.host.regionSize) size = this.host.regionSize;
    size = alignUp(size, this.host.blockSize);
    if (requested === 0n) size = 0n;
    if (size < this.host.usable && !canShrink) return;
    this.host.usable = size;
  }

  request(req: HostRequest): number {
    switch (req.type) {
      case 'resize':
        return this.hostResize(req.size);
      case 'set-host-busy':
        this.host.busy = !!req.busy;
        return 0;
      case 'custom': {
        // { name: 'host-response', args: { response: 'ack' | 'busy' | 'nack' | 'error' } }
        const resp = req.args?.['response'];
        if (req.name !== 'host-response' || (resp !== 'ack' && resp !== 'busy' && resp !== 'nack' && resp !== 'error')) return EINVAL;
        if (resp === 'busy') this.host.busy = true;
        else {
          this.host.busy = false;
          this.host.response = resp;
        }
        this.retry();
        return 0;
      }
      default:
        return EINVAL;
    }
  }

  /** QEMU's requested-size setter: a multiple of block-size and at most the backend size. */
  private hostResize(size: bigint): number {
    if (typeof size !== 'bigint' || size < 0n || size % this.host.blockSize !== 0n || size > this.host.regionSize) return EINVAL;
    if (size !== this.host.requested) {
      this.resizeUsableRegion(size, false);
      this.host.requested = size;
      this.configChangedCb();
    }
    return 0;
  }

  /** The host handling a PLUG/UNPLUG request (virtio_mem_state_change_request in QEMU). */
  private hostStateChange(addr: bigint, size: bigint, plug: boolean): number {
    const h = this.host;
    if (addr < h.addr || size <= 0n || (addr - h.addr) % h.blockSize !== 0n || size % h.blockSize !== 0n || addr + size > h.addr + h.usable) return RESP_ERROR;
    if (h.response === 'error') return RESP_ERROR;
    if (plug && (h.plugged + size > h.requested || h.response === 'nack')) return RESP_NACK;
    if (h.busy) return RESP_BUSY;
    h.plugged += plug ? size : -size;
    return RESP_ACK;
  }

  // ================================================================== probe

  /**
   * virtio_mem_init() + virtio_mem_init_hotplug(): mode and subblock / big block size from the
   * profile, first block id, offline threshold, the container resource. Returns 0 or -errno.
   */
  probe(): number {
    const vmp = this.ctx.profile.virtioMem;
    const h = this.host;
    this.pluggedSize = h.plugged;
    this.usableRegionSize = h.usable;
    this.log('info', `start address: ${hex(h.addr)}`);
    this.log('info', `region size: ${hex(h.regionSize)}`);
    this.log('info', `device block size: ${hex(h.blockSize)}`);
    if (h.addr % this.mbSize !== 0n) this.log('warn', 'The alignment of the physical start address can make some memory unusable.');
    if ((h.addr + h.regionSize) % this.mbSize !== 0n) this.log('warn', 'The alignment of the physical end address can make some memory unusable.');
    this.offlineThreshold = vmp.offlineThreshold > 2n * this.mbSize ? vmp.offlineThreshold : 2n * this.mbSize;
    let sb = vmp.minSubblockSize > h.blockSize ? vmp.minSubblockSize : h.blockSize;
    if (vmp.modes === 'sbm-only') {
      if (h.blockSize > this.mbSize) {
        this.log('error', 'The block size is not supported (too big).');
        return EINVAL;
      }
      if (sb > this.mbSize) sb = this.mbSize;
    }
    const mp = this.ctx.params?.virtioMem;
    const forceBbm = vmp.modes === 'sbm-bbm' && !!mp?.forceBbm;
    if ((sb < this.mbSize && !forceBbm) || vmp.modes === 'sbm-only') {
      this.inSbm = true;
      this.sbSize = sb;
      this.sbsPerMb = Number(this.mbSize / sb);
      this.firstMbId = Number((h.addr + this.mbSize - 1n) / this.mbSize);
      this.nextMbId = this.firstMbId;
    } else {
      this.inSbm = false;
      this.bbSize = h.blockSize > this.mbSize ? h.blockSize : this.mbSize;
      const want = mp?.bbmBlockSize ?? 0n;
      if (want) {
        if (!isPowerOfTwo(want)) this.log('warn', 'bbm_block_size is not a power of 2');
        else if (want < this.bbSize) this.log('warn', 'bbm_block_size is too small');
        else this.bbSize = want;
      }
      this.firstBbId = Number((h.addr + this.bbSize - 1n) / this.bbSize);
      this.nextBbId = this.firstBbId;
      if (2n * this.bbSize > this.offlineThreshold) this.offlineThreshold = 2n * this.bbSize;
    }
    this.log('info', `memory block size: ${hex(this.mbSize)}`);
    this.log('info', this.inSbm ? `subblock size: ${hex(this.sbSize)}` : `big block size: ${hex(this.bbSize)}`);
    const rc = this.createResource();
    if (rc) return rc;
    // One dynamic memory group for the whole device, unit = memory block (SBM) or big block (BBM).
    if (vmp.modes === 'sbm-bbm') this.mgid = this.ctx.blocks.registerMemoryGroup({ dynamic: true, bytes: this.inSbm ? this.mbSize : this.bbSize });
    if (this.pluggedSize) {
      this.unplugAllRequired = true;
      this.log('info', 'unplugging all memory is required');
    }
    this.ctx.blocks.registerNotifier((n) => this.memoryNotifier(n));
    this.configChanged = true;
    this.queued = true;
    return 0;
  }

  /**
   * virtio_mem_create_resource(): __request_mem_region() of the whole region, then BUSY cleared so
   * add_memory_driver_managed() can nest below it. A container already in the boot map (the driver
   * probed during boot) is adopted.
   */
  private createResource(): number {
    const t = this.ctx.tree;
    const h = this.host;
    const end = h.addr + h.regionSize - 1n;
    for (let c = t.child(t.root); c !== NIL; c = t.sibling(c)) {
      if (t.start(c) > h.addr) break;
      if (t.start(c) === h.addr && t.end(c) === end && t.name(c) === this.resourceLabel && (t.flags(c) & IORESOURCE_BUSY) === 0) {
        this.parentResource = c;
        return 0;
      }
    }
    let flags = IORESOURCE_SYSTEM_RAM >>> 0;
    if (this.ctx.profile.virtioMem.exclusiveContainer) flags = (flags | IORESOURCE_EXCLUSIVE) >>> 0;
    const r = t.requestRegion(t.root, h.addr, h.regionSize, t.internName(this.resourceLabel, `virtio_mem:${this.id}`), flags);
    if (r.res === NIL) {
      this.log('warn', 'could not reserve device region');
      this.log('info', 'reloading the driver is not supported');
      return EBUSY;
    }
    t.setFlags(r.res, (t.flags(r.res) & ~IORESOURCE_BUSY) >>> 0);
    this.parentResource = r.res;
    return 0;
  }

  /** virtio_mem_config_changed(). */
  private configChangedCb(): void {
    this.configChanged = true;
    this.retry();
  }

  /** virtio_mem_retry(): queue the worker. */
  private retry(): void {
    this.queued = true;
  }

  // ================================================================== worker

  work(): 'idle' | 'progress' | 'waiting' {
    if (!this.queued) return this.timerId !== null ? 'waiting' : 'idle';
    this.queued = false;
    this.runWq();
    return 'progress';
  }

  /** virtio_mem_run_wq(). */
  private runWq(): void {
    if (this.timerId !== null) {
      this.ctx.clock.cancel(this.timerId);
      this.timerId = null;
    }
    if (this.broken) return;
    this.wqActive = true;
    let rc = 0;
    for (let loops = 0; loops < MAX_EAGAIN_LOOPS; loops++) {
      rc = 0;
      if (this.unplugAllRequired) rc = this.sendUnplugAllRequest();
      if (this.configChanged) {
        this.configChanged = false;
        this.refreshConfig();
      }
      if (!rc) rc = this.cleanupPendingMb();
      if (!rc && this.requestedSize !== this.pluggedSize) {
        rc = this.requestedSize > this.pluggedSize ? this.plugRequest(this.requestedSize - this.pluggedSize) : this.unplugRequest(this.pluggedSize - this.requestedSize);
      }
      if (!rc && this.inSbm && this.haveUnpluggedMb) rc = EBUSY;
      if (rc !== EAGAIN) break;
    }
    this.lastRc = rc;
    switch (rc) {
      case 0:
        this.retryTimerMs = this.ctx.profile.virtioMem.retryMinMs;
        break;
      case ENOSPC:
        break;
      case ETXTBSY:
      case EBUSY:
      case ENOMEM:
      case EAGAIN: {
        const ms = this.retryTimerMs;
        this.timerId = this.ctx.clock.setTimer(ms, () => this.timerExpired());
        break;
      }
      default:
        this.log('error', `unknown error, marking device broken: ${rc}`);
        this.broken = true;
    }
    this.wqActive = false;
  }

  /** virtio_mem_timer_expired(): queue the worker and double the next delay (capped). */
  private timerExpired(): void {
    this.timerId = null;
    this.retry();
    const max = this.ctx.profile.virtioMem.retryMaxMs;
    this.retryTimerMs = Math.min(this.retryTimerMs * 2, max);
  }

  /** virtio_mem_refresh_config(). */
  private refreshConfig(): void {
    if (this.host.plugged !== this.pluggedSize) this.pluggedSize = this.host.plugged;
    this.usableRegionSize = this.host.usable;
    const endAddr = this.host.addr + this.usableRegionSize - 1n;
    if (this.inSbm) {
      let last = Number(endAddr / this.mbSize);
      if ((endAddr + 1n) % this.mbSize !== 0n) last--;
      this.lastUsableMbId = endAddr < 0n ? -1 : last;
    } else {
      let last = Number(endAddr / this.bbSize);
      if ((endAddr + 1n) % this.bbSize !== 0n) last--;
      this.lastUsableBbId = endAddr < 0n ? -1 : last;
    }
    this.requestedSize = this.host.requested;
    this.log('info', `plugged size: ${hex(this.pluggedSize)}`);
    this.log('info', `requested size: ${hex(this.requestedSize)}`);
  }

  // ---------------------------------------------------------------- requests to the host

  private sendPlugRequest(addr: bigint, size: bigint): number {
    switch (this.hostStateChange(addr, size, true)) {
      case RESP_ACK:
        this.pluggedSize += size;
        return 0;
      case RESP_NACK:
        return EAGAIN;
      case RESP_BUSY:
        return ETXTBSY;
      default:
        return EINVAL;
    }
  }

  private sendUnplugRequest(addr: bigint, size: bigint): number {
    switch (this.hostStateChange(addr, size, false)) {
      case RESP_ACK:
        this.pluggedSize -= size;
        return 0;
      case RESP_BUSY:
        return ETXTBSY;
      default:
        return EINVAL;
    }
  }

  /** UNPLUG_ALL: the host drops everything and may shrink the usable region. */
  private sendUnplugAllRequest(): number {
    if (this.host.busy) return ETXTBSY;
    // virtio_mem_send_unplug_all_request(): anything but ACK/BUSY leaves rc at -ENOMEM.
    if (this.host.response !== 'ack') return ENOMEM;
    this.host.plugged = 0n;
    this.resizeUsableRegion(this.host.requested, true);
    this.unplugAllRequired = false;
    this.pluggedSize = 0n;
    this.configChanged = true;
    return 0;
  }

  // ---------------------------------------------------------------- adding / removing memory

  private couldAddMemory(size: bigint): boolean {
    if (size > this.offlineThreshold) return false;
    return this.offlineSize + size <= this.offlineThreshold;
  }

  private name(): NameId {
    if (this.resourceName === null) this.resourceName = this.ctx.tree.internName('System RAM (virtio_mem)', `virtio_mem:${this.id}`);
    return this.resourceName;
  }

  /** virtio_mem_add_memory(): offline_size is raised first, as onlining may happen right away. */
  private addMemory(addr: bigint, size: bigint): number {
    this.offlineSize += size;
    // virtio-mem asks for merging (MHP_MERGE_RESOURCE / the RFC's call); the strategy decides.
    const r = this.ctx.hotplug.addMemoryDriverManaged(this.nid, addr, size, this.name(), { merge: true, group: this.mgid });
    if (r.err) {
      this.offlineSize -= size;
      this.log('warn', `adding memory failed: ${r.err}`);
    }
    return r.err;
  }

  private removeMemory(addr: bigint, size: bigint): number {
    const r = this.ctx.hotplug.removeMemory(addr, size);
    if (!r.err) {
      this.offlineSize -= size;
      this.retry();
    }
    return r.err;
  }

  private offlineAndRemoveMemory(addr: bigint, size: bigint): number {
    const r = this.ctx.hotplug.offlineAndRemoveMemory(addr, size);
    if (!r.err) {
      this.offlineSize -= size;
      this.retry();
      return 0;
    }
    return r.err === ENOMEM ? ENOMEM : EBUSY;
  }

  /**
   * virtio_mem_fake_offline(): allocating a range of online memory fails with -EBUSY when it holds
   * unmovable pages (ZONE_MOVABLE retries five times first, with the same outcome here).
   */
  private fakeOffline(addr: bigint, size: bigint): number {
    return this.ctx.faults.rangeHasUnmovable(addr, size, this.mbSize) ? EBUSY : 0;
  }

  // ---------------------------------------------------------------- memory notifier

  private memoryNotifier(n: MemoryNotify): number {
    const h = this.host;
    if (!(n.start < h.addr + h.regionSize && h.addr < n.start + n.size)) return 0;
    if (this.inSbm) {
      const id = n.block;
      const idx = id - this.firstMbId;
      if (idx < 0 || idx >= this.mbStates.length) return 0;
      switch (n.action) {
        case 'going-online': {
          const s = this.mbStates.get(idx);
          if (s === MB_OFFLINE || s === MB_OFFLINE_PARTIAL) return 0;
          this.log('warn', 'memory block onlining denied');
          return -1; // NOTIFY_BAD -> -EPERM
        }
        case 'offline': {
          const s = this.mbStates.get(idx);
          if (s === MB_KERNEL_PARTIAL || s === MB_MOVABLE_PARTIAL) this.mbStates.set(idx, MB_OFFLINE_PARTIAL);
          else if (s === MB_KERNEL || s === MB_MOVABLE) this.mbStates.set(idx, MB_OFFLINE);
          this.offlineAccounting(n.size);
          return 0;
        }
        case 'online': {
          const s = this.mbStates.get(idx);
          const movable = n.zone === ZONE_MOVABLE && this.ctx.profile.virtioMem.unplugOrder === 'by-zone';
          if (s === MB_OFFLINE_PARTIAL) this.mbStates.set(idx, movable ? MB_MOVABLE_PARTIAL : MB_KERNEL_PARTIAL);
          else if (s === MB_OFFLINE) this.mbStates.set(idx, movable ? MB_MOVABLE : MB_KERNEL);
          this.onlineAccounting(n.size);
          return 0;
        }
        default:
          return 0;
      }
    }
    if (n.action === 'offline') this.offlineAccounting(n.size);
    else if (n.action === 'online') this.onlineAccounting(n.size);
    return 0;
  }

  /** MEM_OFFLINE: more offline memory; with unplug_online=0 that may be unpluggable now. */
  private offlineAccounting(size: bigint): void {
    this.offlineSize += size;
    if (!(this.ctx.params?.virtioMem.unplugOnline ?? true)) this.retry();
  }

  /** MEM_ONLINE: less offline memory; resume adding once below half the threshold. */
  private onlineAccounting(size: bigint): void {
    this.offlineSize -= size;
    if (!this.wqActive && this.couldAddMemory(this.offlineThreshold / 2n)) this.retry();
  }

  // ================================================================== SBM

  private sbBit(mbId: number, sbId: number): number {
    return (mbId - this.firstMbId) * this.sbsPerMb + sbId;
  }

  private sbPlugged(mbId: number, sbId: number, count: number): boolean {
    const bit = this.sbBit(mbId, sbId);
    for (let i = 0; i < count; i++) if (!this.sbStates.test(bit + i)) return false;
    return true;
  }

  private sbUnplugged(mbId: number, sbId: number, count: number): boolean {
    const bit = this.sbBit(mbId, sbId);
    for (let i = 0; i < count; i++) if (this.sbStates.test(bit + i)) return false;
    return true;
  }

  private firstUnpluggedSb(mbId: number): number {
    for (let sb = 0; sb < this.sbsPerMb; sb++) if (!this.sbStates.test(this.sbBit(mbId, sb))) return sb;
    return this.sbsPerMb;
  }

  private mbState(mbId: number): number {
    return this.mbStates.get(mbId - this.firstMbId);
  }

  private setMbState(mbId: number, s: number): void {
    this.mbStates.set(mbId - this.firstMbId, s);
  }

  private mbAddr(mbId: number): bigint {
    return BigInt(mbId) * this.mbSize;
  }

  private sbmPlugSb(mbId: number, sbId: number, count: number): number {
    const rc = this.sendPlugRequest(this.mbAddr(mbId) + BigInt(sbId) * this.sbSize, BigInt(count) * this.sbSize);
    if (!rc) this.sbStates.set(this.sbBit(mbId, sbId), count, true);
    return rc;
  }

  private sbmUnplugSb(mbId: number, sbId: number, count: number): number {
    const rc = this.sendUnplugRequest(this.mbAddr(mbId) + BigInt(sbId) * this.sbSize, BigInt(count) * this.sbSize);
    if (!rc) this.sbStates.set(this.sbBit(mbId, sbId), count, false);
    return rc;
  }

  /** Ascending ids of blocks currently in `state` (virtio_mem_sbm_for_each_mb). */
  private *mbsIn(state: number, reverse: boolean): Generator<number> {
    if (reverse) {
      for (let id = this.nextMbId - 1; id >= this.firstMbId && this.mbStates.count[state]! > 0; id--) if (this.mbState(id) === state) yield id;
    } else {
      for (let id = this.firstMbId; id < this.nextMbId && this.mbStates.count[state]! > 0; id++) if (this.mbState(id) === state) yield id;
    }
  }

  /** virtio_mem_sbm_prepare_next_mb(). */
  private sbmPrepareNextMb(): number {
    if (this.nextMbId > this.lastUsableMbId) return ENOSPC;
    this.mbStates.push();
    return this.nextMbId++;
  }

  /** Plug the first subblocks of an unused block and add it to Linux (virtio_mem_sbm_plug_and_add_mb). */
  private sbmPlugAndAddMb(mbId: number, nb: { sb: number }): number {
    const count = Math.min(nb.sb, this.sbsPerMb);
    if (!count) return EINVAL;
    let rc = this.sbmPlugSb(mbId, 0, count);
    if (rc) return rc;
    this.setMbState(mbId, count === this.sbsPerMb ? MB_OFFLINE : MB_OFFLINE_PARTIAL);
    rc = this.addMemory(this.mbAddr(mbId), this.mbSize);
    if (rc) {
      const st = this.sbmUnplugSb(mbId, 0, count) ? MB_PLUGGED : MB_UNUSED;
      this.setMbState(mbId, st);
      return rc;
    }
    nb.sb -= count;
    return 0;
  }

  /** Plug more subblocks of a block already added (virtio_mem_sbm_plug_any_sb). */
  private sbmPlugAnySb(mbId: number, nb: { sb: number }): number {
    const oldState = this.mbState(mbId);
    if (!nb.sb) return EINVAL;
    while (nb.sb) {
      const sbId = this.firstUnpluggedSb(mbId);
      if (sbId >= this.sbsPerMb) break;
      let count = 1;
      while (count < nb.sb && sbId + count < this.sbsPerMb && !this.sbPlugged(mbId, sbId + count, 1)) count++;
      const rc = this.sbmPlugSb(mbId, sbId, count);
      if (rc) return rc;
      nb.sb -= count;
    }
    if (this.sbPlugged(mbId, 0, this.sbsPerMb)) this.setMbState(mbId, oldState - 1);
    return 0;
  }

  /** virtio_mem_sbm_plug_request(). */
  private sbmPlugRequest(diff: bigint): number {
    const nb = { sb: Number(diff / this.sbSize) };
    if (!nb.sb) return 0;
    const partial = this.ctx.profile.virtioMem.unplugOrder === 'by-zone' ? [MB_KERNEL_PARTIAL, MB_MOVABLE_PARTIAL, MB_OFFLINE_PARTIAL] : [MB_KERNEL_PARTIAL, MB_OFFLINE_PARTIAL];
    for (const st of partial) {
      for (const id of [...this.mbsIn(st, false)]) {
        const rc = this.sbmPlugAnySb(id, nb);
        if (rc || !nb.sb) return rc;
      }
    }
    for (const id of [...this.mbsIn(MB_UNUSED, false)]) {
      if (!this.couldAddMemory(this.mbSize)) return ENOSPC;
      const rc = this.sbmPlugAndAddMb(id, nb);
      if (rc || !nb.sb) return rc;
    }
    while (nb.sb) {
      if (!this.couldAddMemory(this.mbSize)) return ENOSPC;
      const id = this.sbmPrepareNextMb();
      if (id < 0) return id;
      const rc = this.sbmPlugAndAddMb(id, nb);
      if (rc) return rc;
    }
    return 0;
  }

  /** Unplug plugged subblocks of an offline / not added block from the top; any failure aborts. */
  private sbmUnplugAnySbRaw(mbId: number, nb: { sb: number }): number {
    let sbId = this.sbsPerMb - 1;
    while (nb.sb) {
      while (sbId >= 0 && this.sbUnplugged(mbId, sbId, 1)) sbId--;
      if (sbId < 0) break;
      let count = 1;
      while (count < nb.sb && sbId > 0 && this.sbPlugged(mbId, sbId - 1, 1)) {
        count++;
        sbId--;
      }
      const rc = this.sbmUnplugSb(mbId, sbId, count);
      if (rc) return rc;
      nb.sb -= count;
      sbId--;
    }
    return 0;
  }

  /** virtio_mem_sbm_unplug_any_sb_offline(): a fully unplugged offline block is removed. */
  private sbmUnplugAnySbOffline(mbId: number, nb: { sb: number }): number {
    const rc = this.sbmUnplugAnySbRaw(mbId, nb);
    if (!this.sbPlugged(mbId, 0, this.sbsPerMb)) this.setMbState(mbId, MB_OFFLINE_PARTIAL);
    if (rc) return rc;
    if (this.sbUnplugged(mbId, 0, this.sbsPerMb)) {
      this.setMbState(mbId, MB_UNUSED);
      const r = this.removeMemory(this.mbAddr(mbId), this.mbSize);
      if (r) this.log('error', `BUG: removing an offline, fully unplugged memory block failed: ${errnoName(r)}`);
    }
    return 0;
  }

  /** virtio_mem_sbm_unplug_sb_online(): fake-offline, then ask the host; the block becomes *_PARTIAL. */
  private sbmUnplugSbOnline(mbId: number, sbId: number, count: number): number {
    const oldState = this.mbState(mbId);
    const addr = this.mbAddr(mbId) + BigInt(sbId) * this.sbSize;
    let rc = this.fakeOffline(addr, BigInt(count) * this.sbSize);
    if (rc) return rc;
    rc = this.sbmUnplugSb(mbId, sbId, count);
    if (rc) return rc;
    if (oldState === MB_KERNEL) this.setMbState(mbId, MB_KERNEL_PARTIAL);
    else if (oldState === MB_MOVABLE) this.setMbState(mbId, MB_MOVABLE_PARTIAL);
    return 0;
  }

  /** virtio_mem_sbm_try_remove_unplugged_mb(): offline_and_remove a block with nothing plugged. */
  private sbmTryRemoveUnpluggedMb(mbId: number): number {
    if (!this.sbUnplugged(mbId, 0, this.sbsPerMb)) return 0;
    const rc = this.offlineAndRemoveMemory(this.mbAddr(mbId), this.mbSize);
    if (!rc) this.setMbState(mbId, MB_UNUSED);
    return rc;
  }

  /** virtio_mem_sbm_unplug_any_sb_online(): whole block in one shot if possible, else single subblocks from the top, busy ones skipped. */
  private sbmUnplugAnySbOnline(mbId: number, nb: { sb: number }): number {
    let done = false;
    if (nb.sb >= this.sbsPerMb && this.sbPlugged(mbId, 0, this.sbsPerMb)) {
      const rc = this.sbmUnplugSbOnline(mbId, 0, this.sbsPerMb);
      if (!rc) {
        nb.sb -= this.sbsPerMb;
        done = true;
      } else if (rc !== EBUSY) return rc;
    }
    if (!done) {
      for (let sbId = this.sbsPerMb - 1; sbId >= 0 && nb.sb; sbId--) {
        while (sbId >= 0 && !this.sbPlugged(mbId, sbId, 1)) sbId--;
        if (sbId < 0) break;
        const rc = this.sbmUnplugSbOnline(mbId, sbId, 1);
        if (rc === EBUSY) continue;
        if (rc) return rc;
        nb.sb -= 1;
      }
    }
    const rc = this.sbmTryRemoveUnpluggedMb(mbId);
    if (rc && this.ctx.profile.virtioMem.unplugOrder === 'by-zone') this.haveUnpluggedMb = true;
    return 0;
  }

  private sbmUnplugAnySb(mbId: number, nb: { sb: number }): number {
    switch (this.mbState(mbId)) {
      case MB_KERNEL_PARTIAL:
      case MB_KERNEL:
      case MB_MOVABLE_PARTIAL:
      case MB_MOVABLE:
        return this.sbmUnplugAnySbOnline(mbId, nb);
      case MB_OFFLINE_PARTIAL:
      case MB_OFFLINE:
        return this.sbmUnplugAnySbOffline(mbId, nb);
      default:
        return EINVAL;
    }
  }

  /** virtio_mem_sbm_unplug_request(): the class order of the profile, highest block first in each. */
  private sbmUnplugRequest(diff: bigint): number {
    const nb = { sb: Number(diff / this.sbSize) };
    if (!nb.sb) return 0;
    const order =
      this.ctx.profile.virtioMem.unplugOrder === 'by-zone'
        ? [MB_OFFLINE_PARTIAL, MB_OFFLINE, MB_MOVABLE_PARTIAL, MB_KERNEL_PARTIAL, MB_MOVABLE, MB_KERNEL]
        : [MB_OFFLINE_PARTIAL, MB_OFFLINE, MB_KERNEL_PARTIAL, MB_KERNEL];
    const unplugOnline = this.ctx.params?.virtioMem.unplugOnline ?? true;
    for (let i = 0; i < order.length; i++) {
      const st = order[i]!;
      for (let id = this.nextMbId - 1; id >= this.firstMbId && this.mbStates.count[st]! > 0; id--) {
        if (this.mbState(id) !== st) continue;
        const rc = this.sbmUnplugAnySb(id, nb);
        if (rc || !nb.sb) return rc;
      }
      // virtio_mem.unplug_online=0: only offline memory is given back.
      if (!unplugOnline && i === 1) return 0;
    }
    return nb.sb ? EBUSY : 0;
  }

  // ================================================================== BBM

  private bbAddr(bbId: number): bigint {
    return BigInt(bbId) * this.bbSize;
  }

  private bbState(bbId: number): number {
    return this.bbStates.get(bbId - this.firstBbId);
  }

  private setBbState(bbId: number, s: number): void {
    this.bbStates.set(bbId - this.firstBbId, s);
  }

  private bbmPlugAndAddBb(bbId: number): number {
    if (this.bbState(bbId) !== BB_UNUSED) return EINVAL;
    let rc = this.sendPlugRequest(this.bbAddr(bbId), this.bbSize);
    if (rc) return rc;
    this.setBbState(bbId, BB_ADDED);
    rc = this.addMemory(this.bbAddr(bbId), this.bbSize);
    if (rc) {
      this.setBbState(bbId, this.sendUnplugRequest(this.bbAddr(bbId), this.bbSize) ? BB_PLUGGED : BB_UNUSED);
      return rc;
    }
    return 0;
  }

  private bbmPlugRequest(diff: bigint): number {
    let nb = Number(diff / this.bbSize);
    if (!nb) return 0;
    for (let id = this.firstBbId; id < this.nextBbId && this.bbStates.count[BB_UNUSED]! > 0; id++) {
      if (this.bbState(id) !== BB_UNUSED) continue;
      if (!this.couldAddMemory(this.bbSize)) return ENOSPC;
      const rc = this.bbmPlugAndAddBb(id);
      if (!rc) nb--;
      if (rc || !nb) return rc;
    }
    while (nb) {
      if (!this.couldAddMemory(this.bbSize)) return ENOSPC;
      if (this.nextBbId > this.lastUsableBbId) return ENOSPC;
      this.bbStates.push();
      const id = this.nextBbId++;
      const rc = this.bbmPlugAndAddBb(id);
      if (rc) return rc;
      nb--;
    }
    return 0;
  }

  private bbBlocks(bbId: number): { first: number; count: number } {
    return { first: this.ctx.blocks.blockOf(this.bbAddr(bbId)), count: Number(this.bbSize / this.mbSize) };
  }

  private bbIsOffline(bbId: number): boolean {
    const { first, count } = this.bbBlocks(bbId);
    for (let b = first; b < first + count; b++) if (this.ctx.blocks.isOnline(b)) return false;
    return true;
  }

  private bbIsMovable(bbId: number): boolean {
    const { first, count } = this.bbBlocks(bbId);
    for (let b = first; b < first + count; b++) if (this.ctx.blocks.isOnline(b) && this.ctx.blocks.zoneOf(b) !== ZONE_MOVABLE) return false;
    return true;
  }

  /** virtio_mem_bbm_offline_remove_and_unplug_bb(). */
  private bbmOfflineRemoveAndUnplugBb(bbId: number): number {
    if (this.bbState(bbId) !== BB_ADDED) return EINVAL;
    this.setBbState(bbId, BB_FAKE_OFFLINE);
    const { first, count } = this.bbBlocks(bbId);
    for (let b = first; b < first + count; b++) {
      if (!this.ctx.blocks.isOnline(b)) continue;
      const rc = this.fakeOffline(this.ctx.blocks.blockStart(b), this.mbSize);
      if (rc) {
        this.setBbState(bbId, BB_ADDED);
        return rc;
      }
    }
    let rc = this.offlineAndRemoveMemory(this.bbAddr(bbId), this.bbSize);
    if (rc) {
      this.setBbState(bbId, BB_ADDED);
      return rc;
    }
    rc = this.sendUnplugRequest(this.bbAddr(bbId), this.bbSize);
    this.setBbState(bbId, rc ? BB_PLUGGED : BB_UNUSED);
    return rc;
  }

  /** virtio_mem_bbm_unplug_request(): pass 0 offline big blocks, pass 1 movable ones, pass 2 any; highest first. */
  private bbmUnplugRequest(diff: bigint): number {
    let nb = Number(diff / this.bbSize);
    if (!nb) return 0;
    for (let pass = 0; pass < 3; pass++) {
      for (let id = this.nextBbId - 1; id >= this.firstBbId && this.bbStates.count[BB_ADDED]! > 0; id--) {
        if (this.bbState(id) !== BB_ADDED) continue;
        if (pass === 0 && !this.bbIsOffline(id)) continue;
        if (pass === 1 && !this.bbIsMovable(id)) continue;
        const rc = this.bbmOfflineRemoveAndUnplugBb(id);
        if (rc === EBUSY) continue;
        if (!rc) nb--;
        if (rc || !nb) return rc;
      }
      if (pass === 0 && !(this.ctx.params?.virtioMem.unplugOnline ?? true)) return 0;
    }
    return nb ? EBUSY : 0;
  }

  // ================================================================== dispatch

  private plugRequest(diff: bigint): number {
    return this.inSbm ? this.sbmPlugRequest(diff) : this.bbmPlugRequest(diff);
  }

  private unplugRequest(diff: bigint): number {
    return this.inSbm ? this.sbmUnplugRequest(diff) : this.bbmUnplugRequest(diff);
  }

  /** virtio_mem_cleanup_pending_mb(): unplug PLUGGED leftovers; retry removing unplugged blocks. */
  private cleanupPendingMb(): number {
    if (!this.inSbm) {
      for (let id = this.firstBbId; id < this.nextBbId && this.bbStates.count[BB_PLUGGED]! > 0; id++) {
        if (this.bbState(id) !== BB_PLUGGED) continue;
        const rc = this.sendUnplugRequest(this.bbAddr(id), this.bbSize);
        if (rc) return rc;
        this.setBbState(id, BB_UNUSED);
      }
      return 0;
    }
    for (const id of [...this.mbsIn(MB_PLUGGED, false)]) {
      const rc = this.sbmUnplugAnySbRaw(id, { sb: this.sbsPerMb });
      if (rc) return rc;
      this.setMbState(id, MB_UNUSED);
    }
    if (!this.haveUnpluggedMb) return 0;
    this.haveUnpluggedMb = false;
    let rc = 0;
    for (const st of [MB_MOVABLE_PARTIAL, MB_KERNEL_PARTIAL, MB_OFFLINE_PARTIAL]) {
      for (const id of [...this.mbsIn(st, false)]) rc |= this.sbmTryRemoveUnpluggedMb(id);
    }
    if (rc) this.haveUnpluggedMb = true;
    return 0;
  }

  // ================================================================== state

  state(): DeviceState {
    const details: DeviceState['details'] = {
      name: this.resourceLabel,
      addr: this.host.addr,
      regionSize: this.host.regionSize,
      blockSize: this.host.blockSize,
      usableRegionSize: this.host.usable,
      mode: this.inSbm ? 'sbm' : 'bbm',
      subblockSize: this.inSbm ? this.sbSize : null,
      bigBlockSize: this.inSbm ? null : this.bbSize,
      offlineSize: this.offlineSize,
      offlineThreshold: this.offlineThreshold,
      retryTimerMs: this.retryTimerMs,
      timerArmed: this.timerId !== null,
      broken: this.broken,
      hostBusy: this.host.busy,
      hostResponse: this.host.busy ? 'busy' : this.host.response,
      lastError: this.lastRc ? errnoName(this.lastRc) : null,
    };
    if (this.inSbm) {
      MB_STATE_NAMES.forEach((n, i) => {
        details[`blocks.${n}`] = this.mbStates.count[i]!;
      });
    } else {
      details['bigBlocks.added'] = this.bbStates.count[BB_ADDED]!;
      details['bigBlocks.plugged'] = this.bbStates.count[BB_PLUGGED]!;
    }
    return { id: this.id, kind: 'virtio-mem', plugged: this.host.plugged, requested: this.host.requested, details };
  }

  /** Guest view of the plugged size (vm->plugged_size). */
  guestPluggedSize(): bigint {
    return this.pluggedSize;
  }
}

function validSize(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n;
}

/**
 * Creates and probes a virtio-mem device. Bad parameters (unaligned or empty region, a block size
 * that is not a power of two, a requested size beyond the region) are refused with a message.
 */
export function createVirtioMem(spec: VirtioMemSpec, ctx: DeviceContext): DeviceFactoryResult {
  const blockSize = spec.blockSize ?? DEFAULT_DEVICE_BLOCK;
  if (!validSize(spec.regionSize) || spec.regionSize === 0n) return { ok: false, error: 'virtio-mem: regionSize must be a positive size' };
  if (!validSize(blockSize) || !isPowerOfTwo(blockSize) || blockSize < 4096n) return { ok: false, error: `virtio-mem: block size ${String(blockSize)} is not a power of two of at least 4 KiB` };
  if (spec.regionSize % blockSize !== 0n) return { ok: false, error: `virtio-mem: region size ${hex(spec.regionSize)} is not a multiple of the block size ${hex(blockSize)}` };
  if (spec.requested !== undefined && (!validSize(spec.requested) || spec.requested % blockSize !== 0n || spec.requested > spec.regionSize)) {
    return { ok: false, error: `virtio-mem: requested size must be a multiple of ${hex(blockSize)} and at most the region size` };
  }
  if (spec.plugged !== undefined && (!validSize(spec.plugged) || spec.plugged % blockSize !== 0n || spec.plugged > spec.regionSize)) {
    return { ok: false, error: 'virtio-mem: plugged size must be a multiple of the block size and at most the region size' };
  }
  let addr = spec.addr;
  if (addr === undefined) addr = defaultAddr(ctx, spec.regionSize);
  if (!validSize(addr) || addr % blockSize !== 0n) return { ok: false, error: `virtio-mem: address must be aligned to the block size ${hex(blockSize)}` };
  const rootEnd = ctx.tree.end(ctx.tree.root);
  if (addr + spec.regionSize - 1n > rootEnd) return { ok: false, error: `virtio-mem: region ${hex(addr)}+${hex(spec.regionSize)} lies beyond the physical address space (${hex(rootEnd)})` };
  const n = ctx.countOf('virtio-mem');
  const id = spec.id ?? `vm${n}`;
  const label = spec.name ?? `virtio${n}`;
  const dev = new VirtioMemDevice(id, spec, addr, label, ctx);
  const rc = dev.probe();
  if (rc) return { ok: false, error: `virtio-mem ${id}: probe failed (${errnoName(rc)})` };
  return { ok: true, device: dev };
}

/** First 1 GiB-aligned address above 4 GiB not used by top-level resources or other devices. */
function defaultAddr(ctx: DeviceContext, size: bigint): bigint {
  const t = ctx.tree;
  const taken: { start: bigint; end: bigint }[] = [...ctx.deviceRegions()];
  for (let c = t.child(t.root); c !== NIL; c = t.sibling(c)) taken.push({ start: t.start(c), end: t.end(c) });
  let addr = 4n * GiB;
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of taken) {
      if (addr <= r.end && r.start <= addr + size - 1n) {
        addr = alignUp(r.end + 1n, GiB);
        changed = true;
      }
    }
  }
  return addr;
}

// ================================================================== the descriptor

/** Host: a new requested-size (QEMU `qom-set vm0 requested-size`), then the guest converges. */
function playResize(env: HostEnv<VirtioMemDecl, VirtioMemDevice, null>, target: (current: bigint) => bigint): HostOutcome {
  const d = env.device;
  if (!d) return noDevice(env.id);
  let size = target(d.state().requested);
  if (size < 0n) size = 0n;
  const rc = d.request({ type: 'resize', size });
  if (rc < 0) return { result: `rejected: the host refused requested-size ${formatSize(size)} (${errnoName(rc)})` };
  return env.converge();
}

/** virtio-mem: declaration fields, spec, factory, and QEMU's side (requested-size, host responses). */
export const virtioMemDriver: DeviceDriver<'virtio-mem', VirtioMemDecl, VirtioMemSpec, VirtioMemDevice, null> = {
  kind: 'virtio-mem',
  title: 'virtio-mem-pci: memory the host plugs in device blocks',
  params: [
    { key: 'addr', type: 'size', default: '4G', title: 'Region start', description: 'Guest-physical start of the device region (QEMU memaddr); a multiple of blockSize. Default 4 GiB, the q35 device-memory base.' },
    { key: 'regionSize', type: 'size', required: true, positive: true, ui: 'required', slot: 'size', placeholder: '64G', lane: true, title: 'Region size', description: 'Size of the device region (the memory backend size), e.g. 64G; a multiple of blockSize.' },
    {
      key: 'blockSize', type: 'size', default: '2M', lane: true, title: 'Device block size',
      description: 'The granularity the host plugs memory in (QEMU block-size): a power of two of at least 4 KiB. Default 2 MiB.',
      check: (n) => (isPowerOfTwo(n) && n >= 4n * KiB ? null : 'must be a power of two ≥ 4 KiB'),
    },
    { key: 'requestedSize', type: 'size', default: '0', lane: true, title: 'Requested size at boot', description: 'requested-size when the guest boots (usually 0); at most regionSize, a multiple of blockSize.' },
  ],
  checkDecl(d, physBits) {
    const issues: { key?: string; message: string }[] = [];
    const [addr, regionSize, blockSize, requested] = [BigInt(d.addr), BigInt(d.regionSize), BigInt(d.blockSize), BigInt(d.requestedSize)];
    const bs = `the device block size (${fmtBytes(blockSize)})`;
    if (addr % blockSize !== 0n) issues.push({ key: 'addr', message: `must be a multiple of ${bs}` });
    if (regionSize % blockSize !== 0n) issues.push({ key: 'regionSize', message: `must be a multiple of ${bs}` });
    if (requested > regionSize) issues.push({ key: 'requestedSize', message: 'must not exceed regionSize' });
    else if (requested % blockSize !== 0n) issues.push({ key: 'requestedSize', message: `must be a multiple of ${bs}` });
    if (addr + regionSize > 1n << BigInt(physBits)) issues.push({ key: 'regionSize', message: `the region ends beyond the ${physBits}-bit physical address space` });
    return issues;
  },
  checkStep(d, s) {
    const [regionSize, blockSize] = [BigInt(d.regionSize), BigInt(d.blockSize)];
    const multiple = `must be a multiple of ${d.id}'s block size`;
    if (s.op === 'resize' && s.size !== undefined) {
      const n = BigInt(s.size);
      if (n > regionSize) return [{ key: 'size', message: `must not exceed the region size of ${d.id} (${fmtBytes(regionSize)})` }];
      if (n % blockSize !== 0n) return [{ key: 'size', message: `${multiple} (${fmtBytes(blockSize)})` }];
    }
    if (s.op === 'resize' && s.by !== undefined && BigInt(s.by) % blockSize !== 0n) return [{ key: 'by', message: `${multiple} (${fmtBytes(blockSize)})` }];
    if (s.op === 'soak') {
      if (BigInt(s.max!) > regionSize) return [{ key: 'max', message: `must not exceed the region size of ${d.id}` }];
      if (BigInt(s.granularity!) % blockSize !== 0n) return [{ key: 'granularity', message: multiple }];
    }
    return [];
  },
  toSpec(d: VirtioMemDecl | PartialDecl<VirtioMemDecl>): VirtioMemSpec {
    const spec: VirtioMemSpec = { ...specBase<'virtio-mem'>(d), regionSize: BigInt(d.regionSize ?? 0) };
    const addr = bytesOf(d.addr);
    const blockSize = bytesOf(d.blockSize);
    const requested = bytesOf(d.requestedSize);
    if (addr !== undefined) spec.addr = addr;
    if (blockSize !== undefined) spec.blockSize = blockSize;
    if (requested !== undefined) spec.requested = requested;
    return spec;
  },
  create: createVirtioMem,
  host: {
    init: () => null,
    resize: (env, size) => (env.device ? env.device.request({ type: 'resize', size }) : ENODEV),
    ops: {
      resize: (env, s) => playResize(env, (cur) => (s.size !== undefined ? BigInt(s.size) : cur + BigInt(s.by!))),
    },
    soak: (env, size) => playResize(env, () => size),
    faults: ['busy', 'nack', 'error'],
    fault: (env, s) => env.device?.request({ type: 'custom', name: 'host-response', args: { response: s.response } }) ?? ENODEV,
    clearFault(env) {
      env.device?.request({ type: 'custom', name: 'host-response', args: { response: 'ack' } });
    },
  },
};
