/**
 * A tiny stand-in for the engine behind the worker's port: a machine whose timeline plugs one
 * 128 MiB "System RAM (virtio_mem)" block per step under a "virtio0" container. Enough to test
 * the session's protocol logic (snapshots, windows, search, pacing, exports) without the engine.
 */
import type { EngineRun, LabEngine, LoadedScenario, RunOptions } from '../../worker/engine-port.js';
import type { StepRecord } from '../../worker/engine/runner/step-record.js';
import type { Scenario } from '../../worker/engine/scenario/scenario.js';

const MiB = 1n << 20n;
const BLOCK = 128n * MiB;
const BASE = 0x140000000n;

export interface FakeOptions {
  steps?: number;
  /** Make step number `n` throw (a broken invariant). */
  throwAt?: number;
  /** Make step number `n` report an engine error (as the runner does when it halts). */
  errorAt?: number;
}

function hex(x: bigint): string {
  return x.toString(16).padStart(8, '0');
}

export class FakeRun implements EngineRun {
  stepIndex = 0;
  blocks: ('online' | 'offline')[] = [];
  logs: { t: number; source: string; level: 'info' | 'warn' | 'error'; message: string }[] = [];
  requested = 0n;
  /** Times the whole /proc/iomem text was rendered. */
  textReads = 0;

  readonly profile = '6.12' as const;
  constructor(
    readonly totalSteps: number,
    readonly strategy: 'none' | 'rfc-v1' | 'mhp-merge',
    private readonly opts: FakeOptions,
    /** The session's wall clock: each step's `wallMs` is measured with it, as the runner does. */
    private readonly now: () => number = () => 0,
  ) {
    this.boot = this.record(0, 'boot', 'boot', 0);
  }

  readonly scenario: Scenario = {
    name: 'fake',
    seed: 1,
    machine: { boot: { map: 'q35-2g' }, blockSize: String(BLOCK), physBits: 46, onlinePolicy: 'online' },
    devices: [],
    timeline: [],
  };
  readonly boot: StepRecord;

  /** The record of the machine as it is now. */
  private record(index: number, label: string, op: StepRecord['op'], wallMs: number): StepRecord {
    const st = this.stats();
    const lines = this.lines().length;
    return {
      index,
      label,
      op,
      result: 'ok',
      simTimeMs: this.stepIndex * 10,
      wallMs,
      visits: 3 + this.stepIndex,
      resources: st.resources,
      iomem: st.iomem,
      plugged: st.plugged.toString(),
      requested: this.requested.toString(),
      blocks: st.blocks,
      kdump: { ranges: st.resources.systemRam, cap: 4, ok: st.resources.systemRam <= 4 },
      devices: this.devices().map((d) => ({ ...d, plugged: d.plugged.toString(), requested: d.requested.toString() })),
      changedLines: [[lines - 1, lines]],
    };
  }

  get done(): boolean {
    return this.stepIndex >= this.totalSteps;
  }

  private lines(): string[] {
    const out = ['00000000-00000fff : Reserved', '00001000-0009ffff : System RAM', '100000000-13fffffff : System RAM'];
    if (this.blocks.length > 0) {
      out.push(`${hex(BASE)}-${hex(BASE + 64n * 1024n * MiB - 1n)} : virtio0`);
      if (this.strategy === 'none') {
        this.blocks.forEach((_, i) => {
          const s = BASE + BigInt(i) * BLOCK;
          out.push(`  ${hex(s)}-${hex(s + BLOCK - 1n)} : System RAM (virtio_mem)`);
        });
      } else {
        out.push(`  ${hex(BASE)}-${hex(BASE + BigInt(this.blocks.length) * BLOCK - 1n)} : System RAM (virtio_mem)`);
      }
    }
    return out;
  }

  step(): StepRecord | null {
    if (this.done) return null;
    const t0 = this.now();
    if (this.opts.throwAt === this.stepIndex) throw new Error('KernelBug: list corrupted');
    this.blocks.push('online');
    this.requested += BLOCK;
    this.logs.push({ t: this.stepIndex * 10, source: 'virtio_mem', level: 'info', message: `plugged block ${this.stepIndex}` });
    this.stepIndex++;
    const m = this.record(this.stepIndex - 1, `plug ${this.stepIndex}`, 'resize', this.now() - t0);
    return this.opts.errorAt === this.stepIndex - 1 ? { ...m, error: 'KernelBug: sibling list out of order' } : m;
  }

  stats() {
    const lines = this.lines();
    const text = this.iomemLines(0, 1e9, false).map((l) => l + '\n').join('');
    return {
      resources: { total: lines.length, topLevel: lines.filter((l) => !l.startsWith(' ')).length, systemRam: lines.filter((l) => l.includes('System RAM')).length },
      iomem: { lines: lines.length, bytes: text.length },
      visits: { total: this.stepIndex * 5 },
      blocks: { online: this.blocks.filter((b) => b === 'online').length, offline: this.blocks.filter((b) => b === 'offline').length },
      plugged: BigInt(this.blocks.length) * BLOCK,
    };
  }
  simTimeMs(): number {
    return this.stepIndex * 10;
  }
  summary() {
    const st = this.stats();
    const k = this.kdump();
    return {
      scenario: 'fake', profile: this.profile, strategy: this.strategy, seed: 1, steps: this.stepIndex, totalSteps: this.totalSteps,
      done: this.done, simTimeMs: this.simTimeMs(), resources: st.resources, iomem: st.iomem,
      kdump: { ...k, messages: [] }, visits: st.visits, wallMs: 0, plugged: st.plugged.toString(), requested: this.requested.toString(),
      blocks: st.blocks, peak: { resources: st.resources.total, systemRam: st.resources.systemRam, iomemLines: st.iomem.lines }, timeouts: 0, rejected: 0,
    };
  }
  blockSize(): bigint {
    return BLOCK;
  }
  devices() {
    return [{ id: 'vmem0', kind: 'virtio-mem' as const, plugged: BigInt(this.blocks.length) * BLOCK, requested: this.requested, details: { state: 'idle' } }];
  }
  /** Entries dropped from the front of `logs` (as the machine's ring does). */
  droppedLogs = 0;
  log(since: number, limit = Infinity) {
    const from = Math.max(since, this.droppedLogs) - this.droppedLogs;
    return this.logs.slice(from, from + limit);
  }
  logLength(): number {
    return this.droppedLogs + this.logs.length;
  }
  logDropped(): number {
    return this.droppedLogs;
  }
  kdump() {
    const n = this.stats().resources.systemRam;
    return { ranges: n, cap: 4, ok: n <= 4, missedBytes: '0', headroomBlocks: Math.max(0, 4 - n) };
  }
  iomemLines(from: number, count: number, user: boolean): string[] {
    const l = this.lines().slice(from, from + count);
    return user ? l.map((x) => x.replace(/[0-9a-f]+-[0-9a-f]+/, '00000000-00000000')) : l;
  }
  iomemText(user: boolean): string {
    this.textReads++;
    return this.iomemLines(0, 1e9, user).map((l) => l + '\n').join('');
  }
  lsmem(all: boolean): string {
    return `RANGE SIZE STATE${all ? ' (all)' : ''}\nblocks: ${this.blocks.length}\n`;
  }
  guestWriteState(block: number, state: string): number {
    if (block >= this.blocks.length) return -19;
    const want = state === 'offline' ? 'offline' : 'online';
    if (this.blocks[block] === want) return -22;
    this.blocks[block] = want;
    return 0;
  }
  addDevice(spec: { kind: string }) {
    return spec.kind === 'xen-balloon' ? ({ ok: false, error: 'no Xen here' } as const) : ({ ok: true } as const);
  }
  resizeDevice(id: string, size: bigint): number | null {
    if (id !== 'vmem0') return null;
    if (size % BLOCK !== 0n) return -22;
    this.requested = size;
    return 0;
  }
  settle(): void {}
}

export function fakeEngine(opts: FakeOptions = {}): LabEngine & { runs: FakeRun[] } {
  const runs: FakeRun[] = [];
  const scenario = (name: string): LoadedScenario => ({
    info: { name, description: `fake ${name}` },
    seed: 1,
    profile: '6.12',
    strategy: 'mhp-merge',
    text: `name: ${name}\n`,
    create(o: RunOptions) {
      if (o.profile === '5.9' && o.strategy === 'mhp-merge') return { ok: false, error: 'profile 5.9 cannot merge' };
      const run = new FakeRun(opts.steps ?? 8, o.strategy ?? 'mhp-merge', opts, o.now);
      runs.push(run);
      return { ok: true, run };
    },
  });
  return {
    runs,
    presets: () => [{ name: 'fake-8', description: 'eight blocks' }],
    deviceKinds: () => [{ kind: 'fake-dimm', title: 'a fake device', params: [{ key: 'size', type: 'size', title: 'Size', description: 'bytes', ui: 'required' }] }],
    loadPreset: (name) => (name === 'fake-8' ? scenario(name) : undefined),
    loadScenarioText: (text) =>
      text.startsWith('name:') ? { ok: true, scenario: scenario(text.slice(5).trim()) } : { ok: false, errors: [{ path: 'name', message: 'is required' }] },
    loadLane: () => ({ ok: false, code: 'NOT_FOUND', message: 'the fake engine has no lanes' }),
    loadIomem: (text) => (text.includes(' : ') ? { ok: true, scenario: scenario('imported') } : { ok: false, error: 'line 1: expected "start-end : name"' }),
    parseSize: (t) => (/^\d+M$/.test(t) ? BigInt(t.slice(0, -1)) * MiB : /^\d+$/.test(t) ? BigInt(t) : null),
    errnoName: (c) => ({ [-22]: '-EINVAL', [-19]: '-ENODEV', [-16]: '-EBUSY' })[c] ?? String(c),
  };
}
