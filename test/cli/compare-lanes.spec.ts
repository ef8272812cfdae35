import { describe, expect, it } from 'vitest';
import { fetchExcerpt, runLanes, WorkerLaneTransport, type LaneJob, type LaneProgress } from '../../main/cli/lanes.js';
import { buildReport, validateReport } from '../../common/report/index.js';
import { CannedTransport, fakeWorker, type FakeWorkerOptions } from './compare-fakes.js';

const job = (lane: number, extra: Partial<LaneJob> = {}): LaneJob => ({ lane, scenario: { kind: 'preset', name: 'seed-100g-virtio-mem' }, strategy: 'none', ...extra });

function transport(o: FakeWorkerOptions = {}) {
  return new WorkerLaneTransport({ url: new URL('file:///fake/lab.worker.js'), create: () => fakeWorker(o) });
}

describe('WorkerLaneTransport over the worker protocol (fake worker)', () => {
  it('loads, steps in chunks with progress, then collects metrics, summary, /proc/iomem and log', async () => {
    const calls: { command: string; args: unknown }[] = [];
    const progress: LaneProgress[] = [];
    const r = await transport({ totalSteps: 450, calls }).run(job(2, { profile: '6.1', seed: 9 }), (p) => progress.push(p));
    expect(r.outcome.ok).toBe(true);
    expect(r.spec).toEqual({ profile: '6.1', strategy: 'none' });
    expect(calls[1]).toEqual({ command: 'loadPreset', args: { name: 'seed-100g-virtio-mem', profile: '6.1', strategy: 'none', seed: 9 } });
    const steps = calls.filter((c) => c.command === 'step');
    expect(steps.length).toBe(Math.ceil(450 / 3));
    expect(steps[0]!.args).toEqual({ count: 3 });
    expect(progress[0]).toEqual({ lane: 2, done: 0, total: 450 });
    expect(progress.at(-1)).toEqual({ lane: 2, done: 450, total: 450 });
    if (!r.outcome.ok) return;
    expect(r.outcome.steps.length).toBe(450);
    expect(r.outcome.iomem?.totalLines).toBe(30);
    expect(r.outcome.iomem?.segments[0]!.lines.length).toBe(30);
    expect((r.outcome.events?.[0] as { message: string }).message).toBe('hello');
    // What came back makes a valid report.
    const report = buildReport({ createdAt: '2026-11-26T09:00:00.000Z', scenario: { name: 'x', seed: 1, source: 'preset:x', definition: {} }, environment: { date: 'now' }, lanes: [r] });
    expect(validateReport(JSON.parse(JSON.stringify(report))).ok).toBe(true);
  });

  it('sends a scenario text with loadScenario', async () => {
    const calls: { command: string; args: unknown }[] = [];
    await transport({ calls }).run(job(0, { scenario: { kind: 'text', text: '{}', source: 'a.json', format: 'json' }, strategy: undefined }), () => {});
    expect(calls[1]).toEqual({ command: 'loadScenario', args: { text: '{}', source: 'a.json', format: 'json' } });
  });

  it('sends a lane with device parameters through loadLane, which applies them in the worker', async () => {
    const calls: { command: string; args: unknown }[] = [];
    const params = [{ target: 'vm0', field: 'blockSize', value: '4M' }, { target: 'vm0', field: 'regionSize', value: '128G' }];
    const r = await transport({ calls }).run(job(1, { params }), () => {});
    expect(calls[1]).toEqual({ command: 'loadLane', args: { scenario: { kind: 'preset', name: 'seed-100g-virtio-mem' }, params: 'vm0.blockSize=4M; vm0.regionSize=128G', strategy: 'none' } });
    expect(r.outcome.ok).toBe(true);
    expect(r.spec).toEqual({ profile: '6.12', strategy: 'none', params: { 'vm0.blockSize': '4M', 'vm0.regionSize': '128G' } });
    const failed = await transport({ fail: { loadLane: { code: 'SCENARIO_INVALID', message: 'devices[0].blockSize: must be a power of two' } } }).run(job(1, { params }), () => {});
    expect(failed.outcome.ok).toBe(false);
    expect(failed.spec.params).toEqual({ 'vm0.blockSize': '4M', 'vm0.regionSize': '128G' });
  });

  // [what, worker options, expected code, message fragment]
  const failures: [string, FakeWorkerOptions, string, string][] = [
    ['a worker without the engine', { engine: false }, 'ENGINE_UNAVAILABLE', 'without the engine'],
    ['an unknown preset', { fail: { loadPreset: { code: 'NOT_FOUND', message: 'no preset named "x"' } } }, 'NOT_FOUND', 'no preset'],
    ['a kernel error mid-run', { fail: { step: { code: 'ENGINE_FAILED', message: 'KernelBug: overlap' } } }, 'ENGINE_FAILED', 'overlap'],
    ['a worker that dies', { dieOn: 'summary' }, 'WORKER_DIED', 'worker error: boom'],
  ];
  for (const [what, o, code, fragment] of failures) {
    it(`turns ${what} into a failed lane (${code}), never a throw`, async () => {
      const r = await transport(o).run(job(0), () => {});
      expect(r.outcome.ok).toBe(false);
      if (r.outcome.ok) return;
      expect(r.outcome.error.code).toBe(code);
      expect(r.outcome.error.message).toContain(fragment);
    });
  }

  it('reports a missing built worker with the command that builds it', async () => {
    const r = await new WorkerLaneTransport({ url: new URL('file:///nonexistent/lab.worker.js') }).run(job(0), () => {});
    expect(r.outcome.ok).toBe(false);
    if (!r.outcome.ok) expect(r.outcome.error.message).toContain('node scripts/build.mjs node');
  });
});

describe('fetchExcerpt', () => {
  const file = Array.from({ length: 10_000 }, (_, i) => `line ${i}`);
  const window = async (from: number, count: number) => ({ total: file.length, lines: file.slice(from, from + count) });

  it('keeps a short file whole', async () => {
    const x = await fetchExcerpt(async (from, count) => ({ total: 5, lines: file.slice(from, Math.min(5, from + count)) }), 40);
    expect(x).toEqual({ view: 'root', totalLines: 5, bytes: 40, segments: [{ from: 0, lines: file.slice(0, 5) }] });
  });

  it('keeps head and tail of a long file, fetched in protocol-sized windows', async () => {
    const x = await fetchExcerpt(window, 1, 6000);
    expect(x.segments.map((s) => [s.from, s.lines.length])).toEqual([[0, 3000], [7000, 3000]]);
    expect(x.segments[1]!.lines[0]).toBe('line 7000');
    expect(x.segments[1]!.lines.at(-1)).toBe('line 9999');
  });
});

describe('runLanes', () => {
  it('runs lanes concurrently and returns results in job order', async () => {
    let running = 0;
    let peak = 0;
    const slow = {
      name: 'slow',
      async run(j: LaneJob) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20 * (3 - j.lane)));
        running--;
        return { spec: { profile: '6.12' as const, strategy: 'none' as const }, outcome: { ok: false as const, error: { code: 'X', message: String(j.lane) } } };
      },
    };
    const results = await runLanes([job(0), job(1), job(2)], slow);
    expect(peak).toBe(3);
    expect(results.map((r) => (r.outcome.ok ? '' : r.outcome.error.message))).toEqual(['0', '1', '2']);
    peak = 0;
    await runLanes([job(0), job(1), job(2)], slow, { concurrency: 1 });
    expect(peak).toBe(1);
  });

  it('turns a throwing transport into a failed lane', async () => {
    const results = await runLanes([job(0)], { name: 't', run: async () => { throw new Error('nope'); } });
    expect(results[0]!.outcome).toEqual({ ok: false, error: { code: 'ENGINE_FAILED', message: 'nope' }, steps: [] });
  });

  it('the canned transport used by the CLI tests reports progress to the end', async () => {
    const seen: LaneProgress[] = [];
    await runLanes([job(0), job(1)], new CannedTransport(), { onProgress: (p) => seen.push(p) });
    expect(seen.filter((p) => p.done === p.total).length).toBe(2);
  });
});

describe('defaultWorkerUrl', () => {
  it('is the built worker at the project root, or MEMHP_WORKER resolved from the working directory', async () => {
    const { defaultWorkerUrl } = await import('../../main/cli/lanes.js');
    const before = process.env['MEMHP_WORKER'];
    try {
      delete process.env['MEMHP_WORKER'];
      expect(defaultWorkerUrl().pathname).toBe(new URL('../../out/main/lab.worker.js', import.meta.url).pathname);
      process.env['MEMHP_WORKER'] = 'some dir/w.js';
      expect(defaultWorkerUrl().href).toBe(new URL(`file://${process.cwd()}/some%20dir/w.js`).href);
    } finally {
      if (before === undefined) delete process.env['MEMHP_WORKER'];
      else process.env['MEMHP_WORKER'] = before;
    }
  });
});
