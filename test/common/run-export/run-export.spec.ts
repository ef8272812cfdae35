/**
 * The run export (`common/run-export`): one versioned JSON document and one steps CSV for the app
 * and `memhp run`. Two runs of one scenario and seed give documents that differ only in the fields
 * named as varying (`environment`, `wallMs`).
 */
import { describe, expect, it } from 'vitest';
import { Runner, plainState } from '../../../worker/engine/runner/runner.js';
import type { StepPoint, StepRecord } from '../../../worker/engine/runner/step-record.js';
import { getPreset } from '../../../worker/engine/scenario/presets.js';
import { LabSession } from '../../../worker/session.js';
import { createEngine } from '../../../worker/engine-binding.js';
import {
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  RUN_VARYING_KEYS,
  STEPS_CSV_COLUMNS,
  runDocument,
  runJsonText,
  stepsCsv,
  strideFor,
  withoutVaryingFields,
  type RunDocument,
} from '../../../common/run-export/index.js';

/** Runs a preset to the end with a wall clock that advances by `tick` per reading; keeps every step. */
function runPreset(name: string, tick: number, date: string): RunDocument {
  const scenario = getPreset(name);
  if (!scenario) throw new Error(`no preset ${name}`);
  let t = 0;
  const c = Runner.create(scenario, { now: () => (t += tick) });
  if (!c.ok) throw new Error(c.error);
  const steps: StepRecord[] = [];
  for (let m = c.runner.step(); m; m = c.runner.step()) steps.push(m);
  return runDocument({
    scenario: c.runner.scenario,
    environment: { host: `host-${tick}`, date },
    summary: c.runner.summary(),
    boot: c.runner.initial,
    devices: c.runner.machine.devices().map(plainState),
    stride: 1,
    steps,
  });
}

function point(over: Partial<StepPoint> = {}): StepPoint {
  return {
    index: 1, label: 'resize vm0', op: 'resize', result: 'ok', simTimeMs: 1000, wallMs: 0.5, visits: 3,
    resources: { total: 9, topLevel: 4, systemRam: 2 }, iomem: { lines: 9, bytes: 300 }, plugged: '134217728', requested: '134217728',
    blocks: { online: 1, offline: 0 }, kdump: { ranges: 2, cap: 2050, ok: true }, ...over,
  };
}

describe('the run document', () => {
  it('two runs of one scenario and seed are equal once environment and wall times are dropped', () => {
    const a = runPreset('unplug-fragmentation', 3, '2026-01-01T00:00:00.000Z');
    const b = runPreset('unplug-fragmentation', 7, '2026-06-01T00:00:00.000Z');
    expect(a).not.toEqual(b);
    expect(a.steps.map((s) => s.wallMs)).not.toEqual(b.steps.map((s) => s.wallMs));
    expect(a.summary.wallMs).not.toBe(b.summary.wallMs);
    expect(withoutVaryingFields(a)).toEqual(withoutVaryingFields(b));
    expect(JSON.stringify(withoutVaryingFields(a))).not.toMatch(/"(environment|wallMs)"/);
    expect([...RUN_VARYING_KEYS].sort()).toEqual(['environment', 'wallMs']);
  });

  it('names its format and version, keeps the summary fields and says how steps were sampled', () => {
    const doc = runPreset('unplug-fragmentation', 1, '2026-01-01T00:00:00.000Z');
    expect([doc.format, doc.version]).toEqual([RUN_FORMAT, RUN_FORMAT_VERSION]);
    expect([RUN_FORMAT, RUN_FORMAT_VERSION]).toEqual(['memhp-run', 2]);
    expect(doc.options).toEqual({ profile: doc.summary.profile, strategy: doc.summary.strategy, seed: doc.summary.seed });
    expect(doc.summary.resources).toHaveProperty('systemRam');
    expect(doc.boot.index).toBe(0);
    expect(doc.stepSampling).toEqual({ recorded: 9, kept: 9, stride: 1, thinned: false });
    expect(doc.devices.map((d) => d.id)).toEqual(['vm0']);
    const text = runJsonText(doc);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it.each([[800, 100_000, 1], [100_001, 100_000, 2], [10_000_000, 100_000, 100], [0, 10, 1]])('strideFor(%i, %i) = %i', (total, max, stride) => {
    expect(strideFor(total, max)).toBe(stride);
  });
});

describe('the app export (worker session) is the same document', () => {
  /** Loads a preset in a session whose wall clock ticks by `tick`, runs it, and exports JSON and CSV. */
  function exportRun(tick: number): { json: RunDocument; csv: string } {
    let t = 0;
    const session = new LabSession(createEngine(), { now: () => (t += tick), emit: () => {} });
    session.handle('loadPreset', { name: 'unplug-fragmentation' });
    session.handle('step', { count: 100 });
    return {
      json: JSON.parse(session.handle('exportData', { format: 'json' }).text) as RunDocument,
      csv: session.handle('exportData', { format: 'csv' }).text,
    };
  }

  it('has the run format, the counters of every step, and compares equal across two runs without varying fields', () => {
    const a = exportRun(1);
    const b = exportRun(5);
    expect([a.json.format, a.json.version]).toEqual(['memhp-run', 2]);
    expect(a.json.steps).toHaveLength(9);
    expect(a.json.steps[0]).not.toHaveProperty('devices');
    expect(a.json.environment).toMatchObject({ protocolVersion: 1 });
    expect(withoutVaryingFields(a.json)).toEqual(withoutVaryingFields(b.json));
    expect(a.json.summary.wallMs).not.toBe(b.json.summary.wallMs);
    // The CLI writes the same counters for the same run (its steps hold more).
    const cli = runPreset('unplug-fragmentation', 2, 'x');
    const counters = (d: RunDocument) => withoutVaryingFields(d.steps.map(({ index, label, op, result, simTimeMs, visits, resources, iomem, plugged, requested, blocks, kdump }) => ({ index, label, op, result, simTimeMs, visits, resources, iomem, plugged, requested, blocks, kdump })));
    expect(counters(a.json)).toEqual(counters(cli));
    expect(withoutVaryingFields(a.json.summary)).toEqual(withoutVaryingFields(cli.summary));
    expect(a.csv.split('\r\n')[0]).toBe(STEPS_CSV_COLUMNS.join(','));
  });
});

describe('the steps CSV', () => {
  it('quotes labels with commas and quotes, and shows the result next to a label unless ok', () => {
    const csv = stepsCsv([point({ label: 'resize "a", b' }), point({ index: 2, result: 'timeout: vm0 plugged 0 of 1G' })]);
    const rows = csv.split('\r\n');
    expect(rows[1]).toContain(',"resize ""a"", b",');
    expect(rows[2]).toMatch(/^2,resize vm0 \(timeout: vm0 plugged 0 of 1G\),1000,0\.5000,/);
    expect(rows[3]).toBe('');
  });

  it('defuses formula-like labels, keeps the stride on every row', () => {
    const rows = stepsCsv([point({ label: '=cmd|calc' })], 4).split('\r\n');
    expect(rows[1]).toMatch(/^1,'=cmd\|calc,/);
    expect(rows[1]).toMatch(/,4$/);
  });
});
