import { describe, expect, it } from 'vitest';
import { leaves, describeStep, duration } from '../../../worker/engine/scenario/timeline.js';
import { expandedStepCount, normalizeScenario, parseBlocks, blockCount, durationMs } from '../../../worker/engine/scenario/normalize.js';
import type { Step } from '../../../worker/engine/scenario/scenario.js';

function timeline(steps: unknown[]): Step[] {
  const r = normalizeScenario({ name: 't', machine: { boot: 'q35-2g' }, devices: [{ kind: 'virtio-mem', id: 'vm0', regionSize: '8G' }], timeline: steps });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario.timeline;
}

describe('timeline expansion', () => {
  it('expands nested repeats and soaks lazily, in order', () => {
    const tl = timeline([
      { op: 'mark', label: 'a' },
      { op: 'repeat', count: 2, steps: [
        { op: 'mark', label: 'b' },
        { op: 'soak', device: 'vm0', count: 2, min: 0, max: '1G', label: 's' },
        { op: 'repeat', count: 2, steps: [{ op: 'mark', label: 'c' }] },
      ] },
      { op: 'mark', label: 'd' },
    ]);
    const got = leaves(tl).map((l) => `${l.step.label}${l.iteration !== undefined ? `#${l.iteration}` : ''}[${l.repeats.join(',')}]`);
    expect(got).toEqual(['a[]', 'b[1]', 's#0[1]', 's#1[1]', 'c[1,1]', 'c[1,2]', 'b[2]', 's#0[2]', 's#1[2]', 'c[2,1]', 'c[2,2]', 'd[]']);
    expect(expandedStepCount(tl)).toBe(got.length);
  });

  it('a million-step soak is counted without being materialized', () => {
    const tl = timeline([{ op: 'soak', device: 'vm0', count: 1_000_000, min: 0, max: '1G' }]);
    expect(expandedStepCount(tl)).toBe(1_000_000);
    expect(leaves(tl, 3).map((l) => l.iteration)).toEqual([0, 1, 2]);
  });
});

describe('default labels', () => {
  it.each([
    [{ op: 'resize', device: 'vm0', size: '4G' }, 'resize vm0 to 4G'],
    [{ op: 'resize', device: 'vm0', by: '-128M' }, 'resize vm0 -128M'],
    [{ op: 'offline', blocks: ['33-95/2', 100] }, 'offline 33-95/2,100'],
    [{ op: 'online', blocks: 40 }, 'online 40'],
    [{ op: 'wait', duration: '90s' }, 'wait 90 s'],
    [{ op: 'wait', duration: 250 }, 'wait 250 ms'],
    [{ op: 'fault-unmovable', blocks: 32, size: '4M' }, 'fault: pin 4M of 32'],
    [{ op: 'fault-add-memory' }, 'fault: next 1 add_memory fail -ENOMEM'],
    [{ op: 'fault-host', device: 'vm0', response: 'busy' }, 'fault: host answers BUSY (vm0)'],
    [{ op: 'fault-clear' }, 'clear faults: all'],
    [{ op: 'mark', label: 'mine' }, 'mine'],
  ])('%j → %s', (raw, label) => {
    const [leaf] = leaves(timeline([raw]));
    expect(describeStep(leaf!.step, leaf!.iteration)).toBe(label);
  });

  it('a soak step names its iteration and what it drew', () => {
    const [leaf] = leaves(timeline([{ op: 'soak', device: 'vm0', count: 3, min: 0, max: '1G' }]));
    expect(describeStep(leaf!.step, 0, '512M')).toBe('soak vm0 #1: 512M');
  });
});

describe('field parsers', () => {
  it.each([
    [33, [{ first: 33, last: 33, stride: 1 }]],
    ['33-40', [{ first: 33, last: 40, stride: 1 }]],
    ['33-95/2', [{ first: 33, last: 95, stride: 2 }]],
    [['1', 5], [{ first: 1, last: 1, stride: 1 }, { first: 5, last: 5, stride: 1 }]],
    ['40-33', 'range 40-33 ends before it starts'],
    ['1-9/0', 'a stride must be at least 1'],
    [[], 'must name at least one block'],
    ['x', 'must be a block number, a range "first-last", a strided range "first-last/stride", or a list of those'],
  ])('blocks %j', (input, want) => {
    expect(parseBlocks(input)).toEqual(want);
  });

  it('counts strided blocks', () => {
    expect(blockCount([{ first: 33, last: 95, stride: 2 }, { first: 0, last: 0, stride: 1 }])).toBe(33);
  });

  it.each([
    [1500, 1500], ['300ms', 300], ['5s', 5000], ['1.5s', 1500], ['2m', 120_000], ['1h', 3_600_000], ['5 days', null], [-1, null],
  ])('duration %j → %j ms', (input, ms) => {
    expect(durationMs(input)).toBe(ms);
  });

  it('formats durations', () => {
    expect([duration(0), duration(999), duration(1500), duration(120_000), duration(7_200_000)]).toEqual(['0 ms', '999 ms', '1.5 s', '120 s', '2 h']);
  });
});
