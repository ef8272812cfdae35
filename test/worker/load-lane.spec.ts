/** The `loadLane` command end to end: protocol validation, the session and the real engine binding. */
import { describe, expect, it } from 'vitest';
import { LabFailure, LabSession } from '../../worker/session.js';
import { createEngine } from '../../worker/engine-binding.js';
import { validateArgs, type CommandArgs } from '../../worker/protocol.js';

function session(): LabSession {
  return new LabSession(createEngine(), { now: () => 0, emit: () => {} });
}

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof LabFailure) return e.error;
    throw e;
  }
  throw new Error('no failure');
}

const PRESET = { kind: 'preset', name: 'unplug-fragmentation' } as const;

describe('loadLane', () => {
  it('loads a preset with device parameters applied in the worker and returns the lane\'s scenario', () => {
    const s = session();
    const args: CommandArgs<'loadLane'> = { scenario: PRESET, params: 'vm0.blockSize=4M; vm0.regionSize=32G', strategy: 'none' };
    expect(validateArgs('loadLane', args)).toBeNull();
    const r = s.handle('loadLane', args);
    expect(r.snapshot.loaded).toBe(true);
    expect(r.snapshot.strategy).toBe('none');
    expect(r.scenario.devices[0]).toMatchObject({ id: 'vm0', blockSize: String(4 << 20), regionSize: String(32n << 30n) });
    expect(s.handle('exportData', { format: 'scenario' }).text).toContain('blockSize: "4194304"');
  });

  it('without parameters gives the base scenario as loadPreset / loadScenario would', () => {
    const s = session();
    const lane = s.handle('loadLane', { scenario: PRESET });
    const preset = s.handle('loadPreset', { name: PRESET.name });
    expect(lane.snapshot.step.total).toBe(preset.step.total);
    expect(lane.scenario.devices[0]).toMatchObject({ blockSize: String(2 << 20) });
    const text = s.handle('loadLane', { scenario: { kind: 'text', text: JSON.stringify(lane.scenario), source: 'f.json', format: 'json' }, params: 'virtio-mem.blockSize=8M' });
    expect(text.scenario.devices[0]).toMatchObject({ blockSize: String(8 << 20) });
  });

  it('refuses bad parameters, an invalid lane scenario and an unknown preset with their codes', () => {
    const s = session();
    expect(failure(() => s.handle('loadLane', { scenario: PRESET, params: 'blockSize=4M' }))).toEqual({
      code: 'BAD_PAYLOAD',
      message: 'loadLane: args.params: "blockSize=4M": expected <device>.<field>=<value>, e.g. vm0.blockSize=4M',
    });
    const invalid = failure(() => s.handle('loadLane', { scenario: PRESET, params: 'vm0.blockSize=3M' }));
    expect(invalid.code).toBe('SCENARIO_INVALID');
    expect(invalid.message).toMatch(/^preset:unplug-fragmentation \[vm0\.blockSize=3M\]: 1 problem\(s\):\n {2}devices\[0\]\.blockSize: /);
    expect(failure(() => s.handle('loadLane', { scenario: { kind: 'preset', name: 'nope' } })).code).toBe('NOT_FOUND');
    expect(failure(() => s.handle('loadLane', { scenario: { kind: 'text', text: 'garbage', source: 'g.yaml' } })).message).toMatch(/^g\.yaml: \d+ problem/);
  });

  it('the protocol refuses malformed arguments by path', () => {
    expect(validateArgs('loadLane', { scenario: { kind: 'file', name: 'x' } })?.message).toBe('loadLane: args.scenario.kind: expected one of "preset", "text"');
    expect(validateArgs('loadLane', { scenario: PRESET, params: 'x'.repeat(5000) })?.message).toMatch(/^loadLane: args\.params: expected device parameters of at most 2048 characters/);
  });
});
