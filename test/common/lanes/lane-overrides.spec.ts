import { describe, expect, it } from 'vitest';
import { applyLaneParams, laneScenario, paramValue } from '../../../common/lanes/lane-overrides.js';
import { parseLaneParams, type LaneParam } from '../../../common/lanes/lane-grammar.js';
import { getPreset } from '../../../worker/engine/scenario/presets.js';

const params = (text: string): LaneParam[] => {
  const r = parseLaneParams(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('lane overrides', () => {
  it('reads a value as a boolean, a safe integer or text', () => {
    expect([paramValue('true'), paramValue('false'), paramValue('12'), paramValue('-3'), paramValue('4M'), paramValue('99999999999999999999')]).toEqual([true, false, 12, -3, '4M', '99999999999999999999']);
  });

  it('sets a field on the device with that id, or on every device of that kind, on a copy', () => {
    const def = { devices: [{ kind: 'virtio-mem', id: 'a', blockSize: '2M' }, { kind: 'acpi-dimm', id: 'd' }, { kind: 'virtio-mem', id: 'b' }] };
    const byKind = applyLaneParams(def, params('virtio-mem.blockSize=4M'));
    expect(byKind.ok && (byKind.definition['devices'] as { blockSize?: string }[]).map((d) => d.blockSize)).toEqual(['4M', undefined, '4M']);
    const byId = applyLaneParams(def, params('b.blockSize=8M; d.present=false'));
    expect(byId.ok && byId.definition['devices']).toEqual([{ kind: 'virtio-mem', id: 'a', blockSize: '2M' }, { kind: 'acpi-dimm', id: 'd', present: false }, { kind: 'virtio-mem', id: 'b', blockSize: '8M' }]);
    expect(def.devices[0]!.blockSize).toBe('2M');
  });

  it('names the ids there are when no device answers to a target', () => {
    expect(applyLaneParams({ devices: [{ kind: 'virtio-mem', id: 'vm0' }] }, params('vm9.blockSize=4M'))).toEqual({
      ok: false,
      errors: [{ path: 'devices', message: 'vm9.blockSize: no device has the id or kind "vm9" (device ids: vm0)' }],
    });
  });

  it('validates the whole changed scenario again: sizes normalized, bad values and unknown fields refused by path', () => {
    const base = getPreset('unplug-fragmentation')!;
    const good = laneScenario(base, params('vm0.blockSize=4M; vm0.regionSize=128G'));
    expect(good.ok && good.scenario.devices[0]).toMatchObject({ id: 'vm0', blockSize: String(4 << 20), regionSize: String(128n << 30n) });
    expect(base.devices[0]).toMatchObject({ blockSize: String(2 << 20) });
    const badSize = laneScenario(base, params('vm0.blockSize=3M'));
    expect(badSize.ok).toBe(false);
    expect(!badSize.ok && badSize.errors.map((e) => e.path)).toContain('devices[0].blockSize');
    const unknown = laneScenario(base, params('vm0.colour=blue'));
    expect(!unknown.ok && unknown.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(/devices\[0\]/);
  });

  it('gives the base scenario itself when there are no parameters', () => {
    const base = getPreset('seed-100g-hv-balloon')!;
    expect(laneScenario(base, [])).toEqual({ ok: true, scenario: base });
    const changed = laneScenario(base, params('hv0.protocol=win8; hv0.guestUsed=1G'));
    expect(changed.ok && changed.scenario.devices[0]).toMatchObject({ protocol: 'win8', guestUsed: String(1 << 30) });
  });
});
