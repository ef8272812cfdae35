/**
 * Test doubles for `memhp compare`: an in-process fake of the lab worker that speaks
 * worker/protocol.ts (so the real WorkerLaneTransport and WorkerHost are exercised), and a
 * transport that returns canned lane results.
 */
import type { WorkerLike } from '../../main/worker-host.js';
import type { LaneJob, LaneProgress, LaneResult, LaneTransport } from '../../main/cli/lanes.js';
import { FIXTURE_INPUT } from '../common/report/fixtures/report-input.js';

export const FAKE_SCENARIO_YAML = 'name: fake-scenario\nseed: 3\nmachine: { boot: { map: q35-2g } }\ndevices:\n  - kind: virtio-mem\n    id: vm0\n    blockSize: "2097152"\ntimeline: []\n';

/** FAKE_SCENARIO_YAML as the scenario data `loadLane` answers with. */
export const FAKE_SCENARIO = { name: 'fake-scenario', seed: 3, machine: { boot: { map: 'q35-2g' } }, devices: [{ kind: 'virtio-mem', id: 'vm0', blockSize: '2097152' }], timeline: [] };

type Listener = (event: { data?: unknown; message?: string }) => void;

/** The command arguments the fake reads (each handler uses only its own command's fields). */
interface FakeArgs {
  profile?: string;
  strategy?: string;
  count?: number;
  limit: number;
  since: number;
  from: number;
}

/** A request as WorkerHost posts it (worker/protocol.ts). */
interface FakeRequest {
  id: number;
  command: string;
  args: FakeArgs;
}

export interface FakeWorkerOptions {
  totalSteps?: number;
  iomemLines?: number;
  engine?: boolean;
  /** Commands answered with this error instead. */
  fail?: Record<string, { code: string; message: string }>;
  /** Dies (emits 'error') when this command arrives. */
  dieOn?: string;
  calls?: { command: string; args: unknown }[];
}

/** A fake lab worker: answers hello/loadPreset/loadScenario/loadLane/step/metrics/summary/iomemWindow/log. */
export function fakeWorker(o: FakeWorkerOptions = {}): WorkerLike {
  const total = o.totalSteps ?? 10;
  const lines = Array.from({ length: o.iomemLines ?? 30 }, (_, i) => `${i.toString(16).padStart(8, '0')}-ffffffff : line ${i}`);
  const listeners: Record<string, Listener[]> = {};
  let index = 0;
  let profile = '6.12';
  let strategy = 'mhp-merge';
  const emit = (type: string, ev: { data?: unknown; message?: string }) => setImmediate(() => (listeners[type] ?? []).forEach((l) => l(ev)));
  const snapshot = () => ({ profile, strategy, step: { index, total, done: index >= total, running: false, label: '' }, iomem: { lines: lines.length, bytes: 999, hash: null } });
  const record = (i: number) => ({
    index: i, label: `step ${i}`, result: 'ok', simTimeMs: i * 10, wallMs: 0.5, visits: 10 + i,
    resources: { total: 30, topLevel: 20, systemRam: strategy === 'none' ? 3 + i : 3 }, iomem: { lines: 30, bytes: 999 },
    plugged: String((i + 1) * 134217728), blocks: { online: 16 + i, offline: 0 }, kdump: { ranges: 3, cap: 2050, ok: true },
  });
  const handlers: Record<string, (a: FakeArgs) => unknown> = {
    hello: () => ({ protocolVersion: 1, presets: [], profiles: [], strategies: [], engine: o.engine ?? true }),
    loadPreset: (a) => ((profile = a.profile ?? '6.12'), (strategy = a.strategy ?? 'mhp-merge'), (index = 0), snapshot()),
    loadScenario: (a) => ((profile = a.profile ?? '6.12'), (strategy = a.strategy ?? 'mhp-merge'), (index = 0), snapshot()),
    loadLane: (a) => ((profile = a.profile ?? '6.12'), (strategy = a.strategy ?? 'mhp-merge'), (index = 0), { snapshot: snapshot(), scenario: FAKE_SCENARIO }),
    step: (a) => ((index = Math.min(total, index + (a.count ?? 1))), snapshot()),
    metrics: (a) => Array.from({ length: Math.max(0, Math.min(a.limit, index - a.since)) }, (_, k) => record(a.since + k)),
    summary: () => ({
      scenario: 'fake', profile, strategy, seed: 1, steps: index, totalSteps: total, done: index >= total, simTimeMs: index * 10,
      resources: { total: 30, topLevel: 20, systemRam: 3 }, iomem: { lines: lines.length, bytes: 999 },
      kdump: { ranges: 3, cap: 2050, ok: true, missedBytes: '0', headroomBlocks: 2047, messages: [] }, visits: { total: 123 }, wallMs: 5,
      plugged: '0', requested: '0', blocks: { online: 16, offline: 0 }, peak: { resources: 30, systemRam: 3, iomemLines: 30 }, timeouts: 0, rejected: 0,
    }),
    iomemWindow: (a) => ({ from: a.from, total: lines.length, lines: lines.slice(a.from, a.from + a.count!), depths: [], lineNos: [], changed: [] }),
    log: () => [{ seq: 0, t: 0, source: 'virtio_mem', level: 'info', message: 'hello' }],
    exportData: () => ({ filename: 'fake.yaml', mime: 'text/yaml', text: FAKE_SCENARIO_YAML }),
  };
  return {
    postMessage(msg: FakeRequest) {
      o.calls?.push({ command: msg.command, args: msg.args });
      if (o.dieOn === msg.command) return emit('error', { message: 'boom' });
      const failure = o.fail?.[msg.command];
      if (failure) return emit('message', { data: { kind: 'reply', id: msg.id, ok: false, error: failure } });
      const h = handlers[msg.command];
      if (!h) return emit('message', { data: { kind: 'reply', id: msg.id, ok: false, error: { code: 'UNKNOWN_COMMAND', message: msg.command } } });
      emit('message', { data: { kind: 'event', event: { type: 'progress', progress: {} } } });
      emit('message', { data: { kind: 'reply', id: msg.id, ok: true, result: h(msg.args) } });
    },
    terminate() {},
    addEventListener(type: string, l: Listener) {
      (listeners[type] ??= []).push(l);
    },
  };
}

/** A transport returning the report fixture's lanes (by lane number), with progress, or a failure. */
export class CannedTransport implements LaneTransport {
  readonly name = 'canned (test)';
  readonly jobs: LaneJob[] = [];
  constructor(private readonly failLane?: number) {}
  async run(job: LaneJob, onProgress: (p: LaneProgress) => void): Promise<LaneResult> {
    this.jobs.push(job);
    const src = FIXTURE_INPUT.lanes[job.lane % FIXTURE_INPUT.lanes.length]!;
    for (let i = 0; i <= 4; i++) {
      await new Promise((r) => setImmediate(r));
      onProgress({ lane: job.lane, done: i, total: 4 });
    }
    const spec = { profile: job.profile ?? src.spec.profile, strategy: job.strategy ?? src.spec.strategy };
    if (job.lane === this.failLane) return { spec, outcome: { ok: false, error: { code: 'KERNEL_ERRNO', message: 'add_memory: -EBUSY' } } };
    return { spec, outcome: src.outcome };
  }
}
