import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINES, MAX_NESTING, inferFlags, iomemReadVisits, iomemStats, parseIomem, renderIomem, renderIomemLines } from '../../../worker/engine/kernel/iomem.js';
import {
  IORES_DESC_ACPI_NV_STORAGE,
  IORES_DESC_ACPI_TABLES,
  IORES_DESC_PERSISTENT_MEMORY,
  IORES_DESC_RESERVED,
  ResourceTree,
} from '../../../worker/engine/kernel/resource.js';
import { at, dedent, dumpFlags, mk } from './helpers.js';

describe('r_show format (§4)', () => {
  it('8-digit minimum width, wider when needed, two spaces per level capped at ten, <BAD> for a NULL name', () => {
    const t = new ResourceTree();
    let p = t.root;
    for (let d = 0; d < 8; d++) {
      const r = t.alloc(d === 3 ? null : t.internName(`level ${d}`), 0x1000n + BigInt(d), 0x327fffffffn - BigInt(d), 0x200);
      expect(t.requestResource(p, r).err).toBe(0);
      p = r;
    }
    expect(renderIomem(t)).toBe(
      [
        '00001000-327fffffff : level 0',
        '  00001001-327ffffffe : level 1',
        '    00001002-327ffffffd : level 2',
        '      00001003-327ffffffc : <BAD>',
        '        00001004-327ffffffb : level 4',
        '          00001005-327ffffffa : level 5',
        '          00001006-327ffffff9 : level 6',
        '          00001007-327ffffff8 : level 7',
        '',
      ].join('\n'),
    );
    expect(renderIomem(t, { user: true }).split('\n')[6]).toBe('          00000000-00000000 : level 6');
    expect(iomemStats(t).bytes).toBe(renderIomem(t).length);
    // A <BAD> line parses back to a NULL name.
    const r = parseIomem(renderIomem(t));
    expect(r.ok && renderIomem(r.tree)).toBe(renderIomem(t));
  });
  it('a root below 0x10000 prints 4-digit fields (the ioports rule)', () => {
    const t = new ResourceTree({ rootEnd: 0xffffn, rootName: 'PCI IO' });
    t.requestRegion(t.root, 0n, 0x20n, t.internName('dma1'), 0);
    expect(renderIomem(t)).toBe('0000-001f : dma1\n');
    expect(iomemStats(t)).toEqual({ lines: 1, bytes: 17 });
  });
  it('an empty tree renders as an empty file; windows past the end are empty', () => {
    const t = new ResourceTree();
    expect(renderIomem(t)).toBe('');
    expect(renderIomemLines(t, 0, 10)).toEqual([]);
    expect(iomemStats(t)).toEqual({ lines: 0, bytes: 0 });
  });
  it('the incremental size follows merges, splits, moves and releases', () => {
    const t = mk(`
      100000000-13fffffff : System RAM
      140000000-33fffffff : virtio0
        140000000-1bfffffff : System RAM (virtio_mem)
    `);
    const check = (): void => {
      expect(iomemStats(t)).toEqual({ lines: renderIomem(t).split('\n').length - 1, bytes: renderIomem(t).length });
      expect(t.systemRamLines()).toBe(renderIomem(t).split('\n').filter((l) => l.includes('System RAM')).length);
    };
    t.releaseMemRegionAdjustable(0x160000000n, 0x8000000n);
    check();
    t.releaseMemRegionAdjustable(0x140000000n, 0x8000000n);
    check();
    expect(t.removeResource(at(t, 0x140000000n, 0x33fffffffn)).err).toBe(0);
    check();
    expect(t.releaseResource(at(t, 0x100000000n)).err).toBe(0);
    check();
  });
});

describe('the cost of reading /proc/iomem (§4, §8.23)', () => {
  it('each read() restarts from the first node; r_show climbs up to five parents per line', () => {
    const t = mk(`
      00001000-00001fff : A
        00001000-000017ff : A1
      00002000-00002fff : B
    `);
    // One read: 3 r_next steps + depth climbs 1 + 2 + 1.
    expect(iomemReadVisits(t)).toEqual({ reads: 1, visits: 3 + 4 });
    // 22-byte reads: one line per read; restarts walk 1 and 2 nodes.
    expect(iomemReadVisits(t, 24)).toEqual({ reads: 3, visits: 3 + 4 + 1 + 2 });
  });
});

describe('parseIomem infers flags from names', () => {
  it('boot map flags and descs', () => {
    const t = mk(`
      00000000-00000fff : Reserved
      00001000-0009fbff : System RAM
      00100000-7ffdffff : System RAM
        01000000-01ffffff : Kernel code
      7ffe0000-7fffffff : ACPI Tables
      80000000-8fffffff : ACPI Non-volatile Storage
      90000000-9fffffff : Persistent Memory
      c0000000-febfffff : PCI Bus 0000:00
        febf8000-febfbfff : 0000:00:01.0
          febf8000-febfbfff : virtio-pci-modern
      100000000-10ffffffff : virtio0
        100000000-107ffffff : System RAM (virtio_mem)
    `);
    expect(dumpFlags(t)).toBe(
      dedent(`
      0-fff : Reserved [80000200 desc ${IORES_DESC_RESERVED}]
      1000-9fbff : System RAM [81000200]
      100000-7ffdffff : System RAM [81000200]
        1000000-1ffffff : Kernel code [81000200]
      7ffe0000-7fffffff : ACPI Tables [80000200 desc ${IORES_DESC_ACPI_TABLES}]
      80000000-8fffffff : ACPI Non-volatile Storage [80000200 desc ${IORES_DESC_ACPI_NV_STORAGE}]
      90000000-9fffffff : Persistent Memory [80000200 desc ${IORES_DESC_PERSISTENT_MEMORY}]
      c0000000-febfffff : PCI Bus 0000:00 [200]
        febf8000-febfbfff : 0000:00:01.0 [200]
          febf8000-febfbfff : virtio-pci-modern [80000200]
      100000000-10ffffffff : virtio0 [9000200]
        100000000-107ffffff : System RAM (virtio_mem) [87000200]
    `),
    );
    // Boot names are interned with owner 'boot': another pointer than the hot-plug literal.
    expect(t.nameId(at(t, 0x1000n))).toBe(t.internName('System RAM', 'boot'));
    expect(t.nameId(at(t, 0x1000n))).not.toBe(t.internName('System RAM'));
  });
  it('options: a pre-EXCLUSIVE virtio container, unmerged driver-managed children', () => {
    expect(inferFlags('virtio3', { virtioExclusive: false }).flags).toBe(0x01000200);
    expect(inferFlags('System RAM (virtio_mem)', { hotplugMergeable: false }).flags).toBe(0x83000200);
    expect(inferFlags('anything else').flags).toBe(0x80000200);
  });
});

describe('parseIomem refuses bad input with the line and what was expected', () => {
  const cases: [string, string, number, RegExp][] = [
    ['not a resource line', '00000000-00000fff : Reserved\nhello world\n', 2, /expected "<start>-<end> : <name>"/],
    ['missing " : "', '00000000-00000fff Reserved\n', 1, /expected "<start>-<end> : <name>"/],
    ['odd indentation', '00000000-00000fff : A\n   00000000-000000ff : B\n', 2, /not a multiple of two/],
    ['indentation deeper than the kernel prints', '00000000-00000fff : A\n' + ' '.repeat(12) + '00000000-000000ff : B\n', 2, /deeper than the kernel prints/],
    ['skips a level', '00000000-00000fff : A\n    00000000-000000ff : B\n', 2, /more than one level below/],
    ['first line indented', '  00000000-00000fff : A\n', 1, /more than one level below/],
    ['address over 64 bits', '10000000000000000-10000000000000001 : A\n', 1, /does not fit in 64 bits/],
    ['end below start', '00002000-00001fff : A\n', 1, /end 00001fff is below start 00002000/],
    ['child outside its parent', '00001000-00001fff : A\n  00001800-00002fff : B\n', 2, /lies outside its parent 1000-1fff : A/],
    ['overlapping siblings', '00001000-00001fff : A\n00001800-00002fff : B\n', 2, /overlaps or comes before its previous sibling 1000-1fff : A/],
    ['siblings out of order', '00003000-00003fff : A\n00001000-00001fff : B\n', 2, /overlaps or comes before/],
    ['an empty line', '00001000-00001fff : A\n\n00003000-00003fff : B\n', 2, /empty line/],
    ['a dump read without CAP_SYS_ADMIN', '00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n', 2, /without CAP_SYS_ADMIN/],
    ['a line over 4096 characters', `00001000-00001fff : ${'x'.repeat(5000)}\n`, 1, /at most 4096/],
  ];
  it.each(cases)('%s', (_n, text, line, message) => {
    const r = parseIomem(text, { source: 'dump.txt' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.line).toBe(line);
    expect(r.error.message).toMatch(message);
    expect(r.error.message.startsWith(`dump.txt:${line}: `)).toBe(true);
  });
  it('more than 2,000,000 lines', () => {
    const r = parseIomem('x\n'.repeat(MAX_LINES + 1));
    expect(r).toEqual({ ok: false, error: { line: MAX_LINES + 1, message: `more than ${MAX_LINES} lines` } });
  });
  it(`nesting deeper than ${MAX_NESTING} levels`, () => {
    const lines: string[] = [];
    for (let d = 0; d <= MAX_NESTING; d++) lines.push(`${' '.repeat(2 * Math.min(d, 5))}${(0x1000 + d).toString(16).padStart(8, '0')}-${(0xffffff - d).toString(16).padStart(8, '0')} : n${d}`);
    const r = parseIomem(lines.join('\n') + '\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.line).toBe(MAX_NESTING + 1);
    const ok = parseIomem(lines.slice(0, MAX_NESTING).join('\n') + '\n');
    expect(ok.ok && renderIomem(ok.tree)).toBe(lines.slice(0, MAX_NESTING).join('\n') + '\n');
  });
  it('a range above the root end given as option', () => {
    const r = parseIomem('100000000-1ffffffff : System RAM\n', { rootEnd: 0xffffffffn });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/ends above the root's end ffffffff/);
  });
  it('indentation 10 places deep nodes by containment (depth 5 and below print alike)', () => {
    const text = dedent(`
      00000000-0fffffff : a
        00000000-0fffffff : b
          00000000-0fffffff : c
            00000000-0fffffff : d
              00000000-0fffffff : e
                00000000-07ffffff : f
                00000000-00ffffff : g
                08000000-08ffffff : h
    `);
    const r = parseIomem(text);
    if (!r.ok) throw new Error(r.error.message);
    expect(renderIomem(r.tree)).toBe(text);
    expect(r.tree.depth(at(r.tree, 0x0n, 0xffffffn))).toBe(6); // g nests in f
    expect(r.tree.depth(at(r.tree, 0x8000000n))).toBe(5); // h is f's sibling
  });
  it('accepts CRLF line ends and a missing final newline', () => {
    const r = parseIomem('00001000-00001fff : A\r\n00002000-00002fff : B');
    expect(r.ok && renderIomem(r.tree)).toBe('00001000-00001fff : A\n00002000-00002fff : B\n');
  });
  it('never throws, whatever the text', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.nat({ max: 6 }), fc.bigInt({ min: 0n, max: (1n << 68n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 68n) - 1n }), fc.string({ maxLength: 12 })).map(
        ([d, s, e, n]) => `${' '.repeat(d * 2)}${s.toString(16).padStart(8, '0')}-${e.toString(16).padStart(8, '0')} : ${n}`,
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const r = parseIomem(lines.join('\n'));
        if (r.ok) {
          expect(r.tree.checkInvariants(r.tree.root)).toEqual([]);
          expect(parseIomem(renderIomem(r.tree)).ok).toBe(true);
        } else {
          expect(r.error.line).toBeGreaterThanOrEqual(1);
          expect(r.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
