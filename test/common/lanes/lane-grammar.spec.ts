import { describe, expect, it } from 'vitest';
import { formatLaneParams, paramsRecord, parseLane, parseLaneParams, parseLanes, unsupportedLane, type EmulatedLane, type LaneDef } from '../../../common/lanes/lane-grammar.js';

const lanes = (text: string): LaneDef[] => {
  const r = parseLanes(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const error = (text: string): string => {
  const r = parseLanes(text);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(text)}`);
  return r.error;
};

describe('lane grammar: good lanes', () => {
  it('reads <profile>/<strategy>, either one "default"', () => {
    expect(lanes('6.12/none, default/mhp-merge,5.10/default')).toEqual([
      { kind: 'emulated', profile: '6.12', strategy: 'none', params: [] },
      { kind: 'emulated', strategy: 'mhp-merge', params: [] },
      { kind: 'emulated', profile: '5.10', params: [] },
    ]);
  });

  it('reads device parameters in brackets; commas inside them do not split lanes', () => {
    expect(lanes('6.12/none[vm0.blockSize=4M;vm0.regionSize=128G],rfc-v1/rfc-v1[virtio-mem.blockSize=2M, vm0.node=1]')).toEqual([
      { kind: 'emulated', profile: '6.12', strategy: 'none', params: [{ target: 'vm0', field: 'blockSize', value: '4M' }, { target: 'vm0', field: 'regionSize', value: '128G' }] },
      { kind: 'emulated', profile: 'rfc-v1', strategy: 'rfc-v1', params: [{ target: 'virtio-mem', field: 'blockSize', value: '2M' }, { target: 'vm0', field: 'node', value: '1' }] },
    ]);
  });

  it('takes the field after the last dot, so device ids may hold dots', () => {
    expect(parseLaneParams('dimm.0.size = 1G')).toEqual({ ok: true, value: [{ target: 'dimm.0', field: 'size', value: '1G' }] });
  });

  it('keeps the last value of a parameter given twice', () => {
    expect(parseLaneParams('vm0.blockSize=2M; vm0.blockSize=4M')).toEqual({ ok: true, value: [{ target: 'vm0', field: 'blockSize', value: '4M' }] });
  });

  it('parses the later lane kinds real: and trace: and says they are not supported yet', () => {
    const [real, trace] = lanes('real:bzImage-6.12,trace: t/d-split.txt');
    expect(real).toEqual({ kind: 'real', kernel: 'bzImage-6.12' });
    expect(trace).toEqual({ kind: 'trace', trace: 't/d-split.txt' });
    expect(unsupportedLane(real!)).toBe('not supported yet: real-kernel lanes (real:bzImage-6.12)');
    expect(unsupportedLane(trace!)).toBe('not supported yet: trace lanes (trace:t/d-split.txt)');
    expect(unsupportedLane(lanes('6.12/none')[0]!)).toBeNull();
  });

  it('writes parameters back the way it reads them, and as the report keys them', () => {
    const p = lanes('6.12/none[vm0.blockSize=4M;hv0.protocol=win8]')[0] as EmulatedLane;
    expect(formatLaneParams(p.params)).toBe('vm0.blockSize=4M; hv0.protocol=win8');
    expect(parseLaneParams(formatLaneParams(p.params))).toEqual({ ok: true, value: p.params });
    expect(paramsRecord(p.params)).toEqual({ 'vm0.blockSize': '4M', 'hv0.protocol': 'win8' });
  });
});

describe('lane grammar: one error naming the lane and what is wrong', () => {
  const cases: [string, string][] = [
    ['6.12/none,6.12', 'lane 2 "6.12": expected <profile>/<strategy> (either may be "default"), e.g. 6.12/none'],
    ['6.12/none,6.12/fast', 'lane 2 "6.12/fast": character 6: the strategy is "fast", expected one of default, none, rfc-v1, mhp-merge'],
    ['4.19/none', 'lane 1 "4.19/none": character 1: the profile is "4.19", expected one of default, 5.9, rfc-v1, 5.10, 6.1, 6.12, 6.18, 7.3'],
    ['/none', 'lane 1 "/none": character 1: the profile is nothing'],
    ['6.12/none,,6.1/none', 'lane 2 "": empty'],
    ['6.12/none[vm0.blockSize=4M', 'lane 1 "6.12/none[vm0.blockSize=4M": character 10: "[" is never closed'],
    ['6.12/none[vm0.blockSize=4M]x', 'character 28: nothing may follow the "]"'],
    ['6.12/none]', 'character 10: "]" without "["'],
    ['6.12/none[blockSize=4M]', 'lane 1 "6.12/none[blockSize=4M]": device parameter "blockSize=4M": expected <device>.<field>=<value>, e.g. vm0.blockSize=4M'],
    ['6.12/none[vm0.blockSize]', 'device parameter "vm0.blockSize": the value must be 1 to 64 characters'],
    ['6.12/none[vm0.id=x]', 'device parameter "vm0.id=x": a device\'s "id" cannot be changed by a lane'],
    ['6.12/none[vm0.kind=acpi-dimm]', 'a device\'s "kind" cannot be changed'],
    ['6.12/none[vm0.2x=1]', 'device parameter "vm0.2x=1": expected <device>.<field>=<value>'],
    ['real:', 'lane 1 "real:": character 6: a file name must follow "real:"'],
  ];
  for (const [text, message] of cases) {
    it(JSON.stringify(text), () => {
      const e = error(text);
      expect(e).toContain(message);
      expect(e.split('\n')).toHaveLength(1);
    });
  }

  it('refuses a value that is too long', () => {
    expect(parseLane(`6.12/none[vm0.blockSize=${'1'.repeat(65)}]`)).toMatchObject({ ok: false, error: expect.stringContaining('1 to 64 characters') });
  });
});
