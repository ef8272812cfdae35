/**
 * The emulated machine: one iomem resource tree (booted from a /proc/iomem dump), the memory
 * block devices, the hotplug core, the devices that add memory, the simulated clock, the faults
 * and a dmesg-like log. Everything a scenario, the worker or the replayer drives goes through here.
 */
import { NIL, type ResourceTree } from '../kernel/resource.js';
import { iomemStats, parseIomem, renderIomem } from '../kernel/iomem.js';
import { SimClock } from '../clock.js';
import { MemoryBlocks, parseMemoryBlocks, ONLINE_POLICIES, type OnlinePolicy } from '../base/memory.js';
import { MemoryHotplug } from '../mm/memory-hotplug.js';
import { Faults } from './faults.js';
import { PROFILES, isProfileName, isStrategyName, type Profile, type ProfileName, type StrategyName } from '../profiles.js';
import { hasRegion, type Device, type DeviceContext } from '../drivers/device.js';
import { BUILTIN_DRIVERS, type DeviceSpec, type DriverRegistry } from '../drivers/index.js';
import { isPowerOfTwo, MiB } from '../sizes.js';
import { MachineLog, LOG_CAPACITY, type LogLevel } from './machine-log.js';
import { parseKernelCmdline, type KernelParams } from './kernel-params.js';


export type { OnlinePolicy } from '../base/memory.js';

export interface MachineConfig {
  /** A root-view /proc/iomem text: the boot memory map. */
  bootIomem: string;
  /** iomem_resource.end = 2^physBits - 1 (46, or 52 with 5-level paging; QEMU TCG guests have 40). */
  physBits: number;
  /** Memory block size (a power of two >= 128 MiB on x86-64). */
  blockSize: bigint;
  /** memhp_default_state / auto_online_blocks. */
  onlinePolicy: OnlinePolicy;
  profile: ProfileName;
  /** Default: the profile's. */
  strategy?: StrategyName;
  /** Optional: a recorded "--- memory-blocks" section for the boot blocks. */
  bootBlocks?: string;
  /**
   * Optional kernel command line: `movable_node`, `virtio_mem.force_bbm=`, `virtio_mem.bbm_block_size=`
   * and `virtio_mem.unplug_online=` are honoured (memhp_default_state= is `onlinePolicy`).
   */
  cmdline?: string;
  /** Log entries kept (the oldest are dropped beyond it); default LOG_CAPACITY. */
  logCapacity?: number;
  /** The device kinds `addDevice` knows; default the built-in ones (BUILTIN_DRIVERS). */
  drivers?: DriverRegistry;
}


export type { LogEntry } from './machine-log.js';

export interface MachineStats {
  resources: { total: number; topLevel: number; systemRam: number };
  iomem: { lines: number; bytes: number };
  visits: { total: number };
  blocks: { online: number; offline: number };
  plugged: bigint;
}

/** x86-64 SECTION_SIZE_BITS = 27: the smallest memory block. */
export const SECTION_SIZE = 128n * MiB;
/** Bound on worker rounds of one settle() (a driver that never goes idle is a bug, not a hang). */
const MAX_SETTLE_ROUNDS = 1_000_000;

export class Machine {
  readonly tree: ResourceTree;
  readonly clock: SimClock;
  readonly profile: Profile;
  readonly strategy: StrategyName;
  readonly hotplug: MemoryHotplug;
  readonly blocks: MemoryBlocks;
  readonly faults: Faults;
  /** The dmesg-like log: the last `logCapacity` entries, numbered from boot. */
  readonly log: MachineLog;
  /** Hotplug-relevant kernel parameters from the command line. */
  readonly params: KernelParams;
  private readonly devs = new Map<string, Device>();
  private readonly created = new Map<string, number>();
  /** The device kinds this machine can attach. */
  readonly drivers: DriverRegistry;

  private constructor(tree: ResourceTree, blocks: MemoryBlocks, faults: Faults, profile: Profile, strategy: StrategyName, clock: SimClock, params: KernelParams, log: MachineLog, drivers: DriverRegistry) {
    this.drivers = drivers;
    this.log = log;
    this.params = params;
    this.tree = tree;
    this.blocks = blocks;
    this.faults = faults;
    this.profile = profile;
    this.strategy = strategy;
    this.clock = clock;
    this.hotplug = new MemoryHotplug({
      tree,
      blocks,
      faults,
      profile,
      strategy,
      pluggableEnd: tree.end(tree.root),
      log: (level, message) => this.addLog('memory_hotplug', level, message),
    });
  }

  /** Validates the configuration and boots the machine; bad input gives an error naming the field. */
  static create(cfg: MachineConfig): { ok: true; machine: Machine } | { ok: false; error: string } {
    if (cfg === null || typeof cfg !== 'object') return { ok: false, error: 'machine config must be an object' };
    if (!isProfileName(cfg.profile)) return { ok: false, error: `profile: unknown profile "${String(cfg.profile)}" (one of 5.9, rfc-v1, 5.10, 6.1, 6.12)` };
    const profile = PROFILES[cfg.profile];
    const strategy = cfg.strategy ?? profile.defaultStrategy;
    if (!isStrategyName(strategy)) return { ok: false, error: `strategy: unknown strategy "${String(strategy)}" (one of none, rfc-v1, mhp-merge)` };
    if (!Number.isInteger(cfg.physBits) || cfg.physBits < 32 || cfg.physBits > 52) return { ok: false, error: `physBits: must be an integer from 32 to 52, got ${String(cfg.physBits)}` };
    if (typeof cfg.blockSize !== 'bigint' || !isPowerOfTwo(cfg.blockSize) || cfg.blockSize < SECTION_SIZE) {
      return { ok: false, error: `blockSize: must be a power of two of at least 128 MiB, got ${String(cfg.blockSize)}` };
    }
    if (!ONLINE_POLICIES.includes(cfg.onlinePolicy)) return { ok: false, error: `onlinePolicy: must be one of ${ONLINE_POLICIES.join(', ')}, got "${String(cfg.onlinePolicy)}"` };
    if (typeof cfg.bootIomem !== 'string') return { ok: false, error: 'bootIomem: must be the text of a /proc/iomem dump' };
    if (cfg.logCapacity !== undefined && (!Number.isSafeInteger(cfg.logCapacity) || cfg.logCapacity < 1)) {
      return { ok: false, error: `logCapacity: must be a positive integer, got ${String(cfg.logCapacity)}` };
    }
    if (cfg.cmdline !== undefined && typeof cfg.cmdline !== 'string') return { ok: false, error: 'cmdline: must be a kernel command line string' };
    const kp = parseKernelCmdline(cfg.cmdline ?? '');
    const rootEnd = (1n << BigInt(cfg.physBits)) - 1n;
    if (cfg.blockSize > rootEnd) return { ok: false, error: 'blockSize: larger than the physical address space' };
    const parsed = parseIomem(cfg.bootIomem, {
      rootEnd,
      semantics: profile.resource,
      virtioExclusive: profile.virtioMem.exclusiveContainer,
      hotplugMergeable: strategy === 'mhp-merge',
    });
    if (!parsed.ok) return { ok: false, error: `bootIomem line ${parsed.error.line}: ${parsed.error.message}` };
    const tree = parsed.tree;
    const faults = new Faults();
    const clock = new SimClock();
    let machineRef: Machine | null = null;
    const blocks = new MemoryBlocks({
      blockSize: cfg.blockSize,
      maxBlocks: Number((rootEnd + 1n) / cfg.blockSize),
      onlinePolicy: cfg.onlinePolicy,
      faults,
      log: (level, message) => machineRef?.addLog('memory', level, message),
    });
    blocks.movableNode = kp.params.movableNode;
    if (kp.params.onlinePolicy === 'auto-movable') {
      // memory groups and the auto-movable policy came with 5.15
      if (profile.blockZoneField) blocks.autoMovable = { enabled: true, ratio: kp.params.autoMovableRatio };
      else kp.warnings.push(`memory_hotplug.online_policy=auto-movable does not exist in ${profile.release}; ignored`);
    }
    blocks.initBoot(bootRam(tree));
    if (cfg.bootBlocks !== undefined) {
      const pb = parseMemoryBlocks(cfg.bootBlocks);
      if (!pb.ok) return { ok: false, error: `bootBlocks line ${pb.line}: ${pb.message}` };
      if (pb.blockSize !== cfg.blockSize) return { ok: false, error: `bootBlocks: block_size_bytes 0x${pb.blockSize.toString(16)} differs from blockSize 0x${cfg.blockSize.toString(16)}` };
      const err = blocks.applyBootLines(pb.lines);
      if (err) return { ok: false, error: `bootBlocks: ${err}` };
    }
    const m = new Machine(tree, blocks, faults, profile, strategy, clock, kp.params, new MachineLog(cfg.logCapacity ?? LOG_CAPACITY), cfg.drivers ?? BUILTIN_DRIVERS);
    machineRef = m;
    for (const w of kp.warnings) m.addLog('kernel', 'warn', w);
    m.addLog('kernel', 'info', `booted: profile ${profile.name} (${profile.release}), strategy ${strategy}, memory block size 0x${cfg.blockSize.toString(16)}, memhp_default_state=${cfg.onlinePolicy}`);
    return { ok: true, machine: m };
  }

  addLog(source: string, level: LogLevel, message: string): void {
    this.log.push({ t: this.clock.now, source, level, message });
  }

  private context(): DeviceContext {
    return {
      tree: this.tree,
      clock: this.clock,
      profile: this.profile,
      strategy: this.strategy,
      hotplug: this.hotplug,
      blocks: this.blocks,
      faults: this.faults,
      params: this.params,
      log: (source, level, message) => this.addLog(source, level, message),
      countOf: (kind) => this.created.get(kind) ?? 0,
      deviceRegions: (self) => {
        const out: { start: bigint; end: bigint }[] = [];
        for (const d of this.devs.values()) {
          if (d.id === self || !hasRegion(d)) continue;
          const r = d.region();
          if (r) out.push(r);
        }
        return out;
      },
      detach: (id) => {
        this.devs.delete(id);
      },
    };
  }

  /**
   * Creates a device from its spec (validated by its kind's driver in `drivers`) and probes it.
   * Built-in specs are typed; a registry's other kinds pass their own spec shape.
   */
  addDevice(spec: DeviceSpec | { kind: string; id?: string; node?: number }): { ok: true; device: Device } | { ok: false; error: string } {
    const kind = spec !== null && typeof spec === 'object' ? (spec as { kind?: unknown }).kind : undefined;
    const driver = typeof kind === 'string' ? this.drivers.get(kind) : undefined;
    if (!driver) return { ok: false, error: `kind: unknown device kind "${String(kind)}"` };
    if (spec.id !== undefined && (typeof spec.id !== 'string' || spec.id === '')) return { ok: false, error: 'id: must be a non-empty string' };
    if (spec.id !== undefined && this.devs.has(spec.id)) return { ok: false, error: `id: a device "${spec.id}" already exists` };
    const r = driver.create(spec, this.context());
    if (!r.ok) return r;
    if (this.devs.has(r.device.id)) return { ok: false, error: `id: a device "${r.device.id}" already exists` };
    this.devs.set(r.device.id, r.device);
    this.created.set(driver.kind, (this.created.get(driver.kind) ?? 0) + 1);
    return r;
  }

  device(id: string): Device | undefined {
    return this.devs.get(id);
  }

  devices(): Device[] {
    return [...this.devs.values()];
  }

  /** echo value > /sys/devices/system/memory/memoryN/state: 0 or -errno. */
  guestWriteState(block: number, value: string): number {
    return this.blocks.guestWriteState(block, value);
  }

  /** echo value > /sys/devices/system/memory/auto_online_blocks: 0 or -errno. */
  guestWriteAutoOnline(value: string): number {
    return this.blocks.setAutoOnline(value);
  }

  /**
   * Runs device workers until none has work, firing timers that are due, and timers due within
   * `maxMs` of simulated time (moving the clock to them). Bounded: never loops forever.
   */
  settle(maxMs = 0): void {
    const deadline = this.clock.now + Math.max(0, Number.isFinite(maxMs) ? maxMs : 0);
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      let progress = false;
      for (const d of [...this.devs.values()]) if (d.work() === 'progress') progress = true;
      if (progress) continue;
      const next = this.clock.nextDue();
      if (next === null || next > deadline) return;
      this.clock.advanceTo(next);
    }
    this.addLog('machine', 'error', 'settle(): workers did not go idle; stopped');
  }

  /**
   * Moves simulated time forward by exactly `ms`, running workers whenever timers fire on the way.
   * The end is fixed before settling, so a timer firing during the wait does not lengthen it.
   */
  advance(ms: number): void {
    const end = this.clock.now + Math.max(0, Number.isFinite(ms) ? ms : 0);
    this.settle(end - this.clock.now);
    if (this.clock.now < end) this.clock.advanceTo(end);
  }

  renderIomem(opts?: { user?: boolean }): string {
    return renderIomem(this.tree, opts);
  }

  renderMemoryBlocks(): string {
    return this.blocks.render();
  }

  /** Bytes the devices currently have plugged / added. */
  plugged(): bigint {
    let sum = 0n;
    for (const d of this.devs.values()) sum += d.state().plugged;
    return sum;
  }

  stats(): MachineStats {
    const c = this.blocks.counts();
    return {
      // lines whose name contains "System RAM" (what kexec-tools counts), kept by the tree in O(1)
      resources: { total: this.tree.count(), topLevel: this.tree.topLevelCount(), systemRam: this.tree.systemRamLines() },
      iomem: iomemStats(this.tree),
      visits: { total: this.tree.totalVisits },
      blocks: { online: c.online, offline: c.offline },
      plugged: this.plugged(),
    };
  }
}

/** Boot RAM for the memory blocks: the top-level "System RAM" resources of the boot map. */
function bootRam(tree: ResourceTree): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  for (let c = tree.child(tree.root); c !== NIL; c = tree.sibling(c)) {
    if (tree.name(c) === 'System RAM') out.push({ start: tree.start(c), end: tree.end(c) });
  }
  return out;
}
