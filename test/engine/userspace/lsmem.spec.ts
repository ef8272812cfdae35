import { describe, expect, it } from 'vitest';
import { Machine } from '../../../worker/engine/machine/machine.js';
import { bootMapIomem } from '../../../worker/engine/machine/boot-maps.js';
import {
  lsmem,
  lsmemInput,
  parseMemoryBlocksSection,
  sizeToHumanString,
  type LsmemOptions,
  type MemoryBlockInfo,
  type MemoryBlocksDescription,
} from '../../../worker/engine/userspace/lsmem.js';
import { fixture, traceSection } from './iomem-lines.js';

const M128 = 128n << 20n;

function run(desc: MemoryBlocksDescription, opts: LsmemOptions = {}): string {
  const r = lsmem(desc, opts);
  if (!r.ok) throw new Error(r.error);
  return r.text;
}

function blocks(from: number, to: number, b: Partial<MemoryBlockInfo> = {}): MemoryBlockInfo[] {
  const out: MemoryBlockInfo[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, state: 'online', removable: true, node: 0, zones: ['Normal'], ...b });
  return out;
}

describe('sizeToHumanString (util-linux size_to_human_string, 1-letter suffix)', () => {
  it.each([
    [0n, '0B'], [1023n, '1023B'], [1024n, '1K'], [M128, '128M'], [18n * M128, '2.3G'],
    [236n * M128, '29.5G'], [254n * M128, '31.8G'], [125n * M128, '15.6G'], [126n * M128, '15.8G'],
    [(1n << 30n) - 1n, '1024M'], [3n << 40n, '3T'], [(1n << 40n) + (1n << 39n), '1.5T'],
  ])('%s bytes → %s', (bytes, text) => {
    expect(sizeToHumanString(bytes)).toBe(text);
  });
});

describe('lsmem against the public dumps', () => {
  it('default output with a hole in the block numbers (lsmem-hole.txt)', () => {
    const desc = { blockSize: M128, blocks: [...blocks(0, 17, { zones: ['DMA32'] }), ...blocks(32, 267)] };
    expect(run(desc)).toBe(fixture('dumps/lsmem-hole.txt'));
  });

  it('--output-all where blocks do not start at 0: the legacy version shows no zones (lsmem-output-all-arm64.txt)', () => {
    const desc = { blockSize: M128, blocks: [...blocks(8192, 8316), ...blocks(8319, 8319)] };
    expect(run(desc, { outputAll: true })).toBe(fixture('dumps/lsmem-output-all-arm64.txt'));
    // The current version finds the zones through the first block.
    expect(run(desc, { outputAll: true, version: 'current' })).toBe([
      'RANGE                                  SIZE  STATE REMOVABLE     BLOCK NODE  ZONES',
      '0x0000010000000000-0x00000103e7ffffff 15.6G online       yes 8192-8316    0 Normal',
      '0x00000103f8000000-0x00000103ffffffff  128M online       yes      8319    0 Normal',
      '',
      'Memory block size:                128M',
      'Total online memory:             15.8G',
      'Total offline memory:               0B',
      '',
    ].join('\n'));
  });
});

describe('lsmem options', () => {
  // Boot blocks 0–15, hot-added 32–39 with 35 offline (oracle trace d's middle split).
  const desc: MemoryBlocksDescription = {
    blockSize: M128,
    blocks: [
      { index: 0, state: 'online', removable: true, node: 0, zones: ['none'] },
      ...blocks(1, 15, { zones: ['DMA32'] }),
      ...blocks(32, 34, { zones: ['Movable'] }),
      ...blocks(35, 35, { state: 'offline', zones: ['Movable', 'Normal'] }),
      ...blocks(36, 39, { zones: ['Movable'] }),
    ],
  };

  it('splits by the displayed columns only: zones do not split the default table', () => {
    expect(run(desc, { summary: 'never' })).toBe([
      'RANGE                                  SIZE   STATE REMOVABLE BLOCK',
      '0x0000000000000000-0x000000007fffffff    2G  online       yes  0-15',
      '0x0000000100000000-0x0000000117ffffff  384M  online       yes 32-34',
      '0x0000000118000000-0x000000011fffffff  128M offline              35',
      '0x0000000120000000-0x000000013fffffff  512M  online       yes 36-39',
      '',
    ].join('\n'));
  });

  it('-o +ZONES splits by zone too and prints the canonical zone names', () => {
    expect(run(desc, { output: '+zones', summary: 'never' })).toBe([
      'RANGE                                  SIZE   STATE REMOVABLE BLOCK          ZONES',
      '0x0000000000000000-0x0000000007ffffff  128M  online       yes     0           None',
      '0x0000000008000000-0x000000007fffffff  1.9G  online       yes  1-15          DMA32',
      '0x0000000100000000-0x0000000117ffffff  384M  online       yes 32-34        Movable',
      '0x0000000118000000-0x000000011fffffff  128M offline              35 Movable/Normal',
      '0x0000000120000000-0x000000013fffffff  512M  online       yes 36-39        Movable',
      '',
    ].join('\n'));
  });

  it('--split=none joins contiguous blocks whatever their state; a hole still splits', () => {
    expect(run(desc, { split: 'none', output: 'RANGE,BLOCK', summary: 'never' })).toBe([
      'RANGE                                 BLOCK',
      '0x0000000000000000-0x000000007fffffff  0-15',
      '0x0000000100000000-0x000000013fffffff 32-39',
      '',
    ].join('\n'));
  });

  it('--all lists every block; -n drops the header; -b prints bytes', () => {
    const text = run(desc, { all: true, noheadings: true, bytes: true, output: 'BLOCK,SIZE' });
    const lines = text.split('\n');
    expect(lines[0]).toBe(' 0 134217728');
    // 24 block rows, the blank line, 3 summary lines, the final newline.
    expect(lines).toHaveLength(24 + 1 + 3 + 1);
    expect(lines[19]).toBe('35 134217728');
    expect(lines.slice(25)).toEqual([
      'Memory block size:            134217728',
      'Total online memory:         3087007744',
      'Total offline memory:         134217728',
      '',
    ]);
  });

  it('--summary=only and the current version\'s wider labels', () => {
    expect(run(desc, { summary: 'only', version: 'current' })).toBe([
      'Memory block size:                128M',
      'Total online memory:              2.9G',
      'Total offline memory:             128M',
      '',
    ].join('\n'));
  });

  it('prints on->off and ? states, and leaves REMOVABLE empty for them', () => {
    const d = { blockSize: M128, blocks: [...blocks(0, 0, { state: 'going-offline' }), ...blocks(1, 1, { state: 'weird' })] };
    expect(run(d, { summary: 'never', output: 'STATE,REMOVABLE,BLOCK' })).toBe('  STATE REMOVABLE BLOCK\non->off               0\n      ?               1\n');
  });

  it.each([
    [{ blockSize: 0n, blocks: blocks(0, 0) }, {}, 'does not support memory blocks'],
    [{ blockSize: M128, blocks: [] }, {}, 'Failed to read'],
    [{ blockSize: M128, blocks: [...blocks(3, 3), ...blocks(3, 3)] }, {}, 'memory3 is listed twice'],
    [{ blockSize: M128, blocks: blocks(0, 0, { index: -1 }) }, {}, 'blocks[0].index'],
    [{ blockSize: M128, blocks: blocks(0, 0) }, { output: 'RANGE,COLOR' }, 'unknown column: COLOR'],
    [{ blockSize: M128, blocks: blocks(0, 0) }, { all: true, split: 'none' }, 'mutually exclusive'],
  ] as const)('rejects bad input: %#', (d, opts, message) => {
    const r = lsmem(d, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe('lsmem over an oracle trace', () => {
  it('reads a memory-blocks section and shows trace d after the middle block went offline', () => {
    const section = traceSection(fixture('oracle/d-split-on-unplug.txt'), 2, 'memory-blocks');
    const parsed = parseMemoryBlocksSection(section, 'd-split-on-unplug.txt');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.blockSize).toBe(M128);
    const text = run(parsed.value, { output: '+ZONES' });
    expect(text).toContain('0x0000000118000000-0x000000011fffffff  128M offline              35 Movable/Normal\n');
    expect(text.endsWith('Total offline memory:    128M\n')).toBe(true);
  });

  it('names the line of a malformed section', () => {
    const r = parseMemoryBlocksSection('block_size_bytes 0x8000000\nmemory0 online none\nmemoryX online\n', 'x.txt');
    expect(r).toEqual({ ok: false, error: { line: 3, message: expect.stringContaining('x.txt:3:') } });
  });
});

describe('lsmem over the emulated machine', () => {
  it('lsmemInput(machine.blocks) gives the same table as the rendered memory-blocks section', () => {
    const r = Machine.create({ bootIomem: bootMapIomem('q35-2g'), physBits: 40, blockSize: M128, onlinePolicy: 'online_movable', profile: '6.12' });
    if (!r.ok) throw new Error(r.error);
    const m = r.machine;
    const hv = m.addDevice({ kind: 'hv-balloon', id: 'hv0' });
    if (!hv.ok) throw new Error(hv.error);
    hv.device.request({ type: 'hot-add', startPfn: 0x100000n, pages: 8n * 32768n });
    m.settle();
    expect(m.guestWriteState(35, 'offline')).toBe(0);
    const direct = run(lsmemInput(m.blocks), { output: '+ZONES' });
    const parsed = parseMemoryBlocksSection(m.renderMemoryBlocks());
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(direct).toBe(run(parsed.value, { output: '+ZONES' }));
    expect(direct).toContain('0x0000000118000000-0x000000011fffffff  128M offline              35 Movable/Normal\n');
    expect(direct).toContain('Total online memory:     2.9G\n');
  });
});
