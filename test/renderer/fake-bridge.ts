/**
 * A scripted LabBridge for store and component tests: answers commands from handlers (defaults
 * below model a tiny machine), records every call, and lets a test push worker events.
 */
import { deviceKinds } from '../../worker/engine-binding.js';
import type { LabBridge } from '../../renderer/src/bridge/index.js';
import { BridgeError } from '../../renderer/src/bridge/index.js';
import type { CommandName, IomemWindow, LabError, LabEvent, Snapshot } from '../../worker/protocol.js';

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    seq: 1,
    loaded: true,
    scenario: { name: 'seed-100g-virtio-mem', description: '800 blocks', source: 'preset' },
    profile: '6.12',
    strategy: 'mhp-merge',
    seed: 1,
    step: { index: 0, total: 800, done: false, running: false, label: '' },
    speed: 0,
    simTimeMs: 0,
    resources: { total: 31, topLevel: 18, systemRam: 7 },
    iomem: { lines: 31, bytes: 1044, hash: '0123456789abcdef' },
    plugged: String(100n << 30n),
    requested: String(100n << 30n),
    blocks: { online: 816, offline: 0, size: String(128n << 20n) },
    devices: [{ id: 'vm0', kind: 'virtio-mem', plugged: String(100n << 30n), requested: String(100n << 30n), details: { state: 'idle' } }],
    kdump: { ranges: 10, cap: 2050, ok: false, missedBytes: '0', headroomBlocks: 2039 },
    visits: { total: 332416, lastStep: 815 },
    timings: { lastMs: 0.1, totalMs: 75, p50Ms: 0.06, p99Ms: 6.7, steps: 800 },
    changedLines: [[29, 30]],
    ...over,
  };
}

export const IOMEM = [
  '00000000-00000fff : Reserved',
  '00001000-0009ffff : System RAM',
  '100000000-19ffffffff : virtio0',
  '  100000000-19ffffffff : System RAM (virtio_mem)',
  '3280000000-32ffffffff : PCI Bus 0000:00',
];

type Handler = (args: never) => unknown;

export class FakeBridge implements LabBridge {
  readonly mode = 'browser' as const;
  calls: [CommandName, unknown][] = [];
  saved: [string, string, string][] = [];
  openResult: { name: string; text: string } | null = null;
  restarts = 0;
  private listeners = new Set<(e: LabEvent) => void>();
  private seq = 1;
  handlers: Partial<Record<CommandName, Handler>> = {
    hello: () => ({ protocolVersion: 1, presets: [{ name: 'seed-100g-virtio-mem', description: '800 blocks' }, { name: 'scale-64t', description: '64 TiB' }], profiles: ['5.9', '6.12'], strategies: ['none', 'rfc-v1', 'mhp-merge'], devices: deviceKinds(), engine: true }),
    loadPreset: (a: { name: string; strategy?: string }) => snapshot({ seq: ++this.seq, scenario: { name: a.name, description: '', source: 'preset' }, strategy: (a.strategy as Snapshot['strategy']) ?? 'mhp-merge' }),
    loadScenario: (a: { source?: string }) => snapshot({ seq: ++this.seq, scenario: { name: a.source ?? 'file', description: '', source: 'file' } }),
    importIomem: (a: { source?: string }) => snapshot({ seq: ++this.seq, scenario: { name: a.source ?? 'dump', description: '', source: 'iomem' } }),
    start: () => snapshot({ seq: ++this.seq, step: { index: 0, total: 800, done: false, running: true, label: '' } }),
    pause: () => snapshot({ seq: ++this.seq }),
    step: (a: { count?: number }) => snapshot({ seq: ++this.seq, step: { index: a.count ?? 1, total: 800, done: false, running: false, label: 'vm0 +128M' } }),
    runTo: (a: { stepIndex: number }) => snapshot({ seq: ++this.seq, step: { index: a.stepIndex, total: 800, done: false, running: false, label: '' } }),
    reset: () => snapshot({ seq: ++this.seq }),
    setSpeed: () => snapshot({ seq: ++this.seq }),
    addDevice: () => snapshot({ seq: ++this.seq }),
    resizeDevice: () => snapshot({ seq: ++this.seq }),
    guestAction: () => snapshot({ seq: ++this.seq }),
    metrics: () => [],
    log: () => [],
    iomemWindow: (a: { from: number; count: number; maxDepth?: number }): IomemWindow => {
      const all = a.maxDepth === 0 ? IOMEM.filter((l) => !l.startsWith(' ')) : IOMEM;
      const lines = all.slice(a.from, a.from + a.count);
      return { from: a.from, total: all.length, lines, depths: lines.map((l) => (l.startsWith('  ') ? 1 : 0)), lineNos: lines.map((l) => IOMEM.indexOf(l)), changed: [[3, 4]] };
    },
    iomemSearch: (a: { query: string }) => ({ matches: IOMEM.flatMap((l, i) => (l.toLowerCase().includes(a.query.toLowerCase()) ? [i] : [])), more: false }),
    lsmem: (a: { all?: boolean }) => ({ text: a.all ? 'RANGE (all)\n' : 'RANGE SIZE STATE\n' }),
    exportData: (a: { format: string }) => ({ filename: `run.${a.format}`, mime: 'text/plain', text: `data ${a.format}` }),
  };

  async call<K extends CommandName>(command: K, args: never): Promise<never> {
    this.calls.push([command, args]);
    await Promise.resolve();
    const h = this.handlers[command];
    if (!h) throw new BridgeError({ code: 'UNKNOWN_COMMAND', message: `fake has no ${command}` });
    const r = h(args);
    if (r instanceof BridgeError) throw r;
    return r as never;
  }
  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async openFile(): Promise<{ name: string; text: string } | null> {
    return this.openResult;
  }
  async saveFile(name: string, text: string, mime: string): Promise<string | null> {
    this.saved.push([name, text, mime]);
    return `/tmp/${name}`;
  }
  async restartWorker(): Promise<void> {
    this.restarts++;
  }
  emit(e: LabEvent): void {
    for (const l of this.listeners) l(e);
  }
  fail(command: CommandName, error: LabError): void {
    this.handlers[command] = () => new BridgeError(error);
  }
  commands(): CommandName[] {
    return this.calls.map(([c]) => c);
  }
}

/** Lets pending promise chains settle. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}
