import { describe, expect, it } from 'vitest';
import { EBUSY, EINVAL } from '../../../worker/engine/errno.js';
import {
  IORESOURCE_BUSY,
  IORESOURCE_EXCLUSIVE,
  IORESOURCE_MEM,
  IORESOURCE_MUXED,
  IORESOURCE_SYSRAM_DRIVER_MANAGED,
  IORESOURCE_SYSRAM_MERGEABLE,
  IORESOURCE_SYSTEM_RAM,
  IORESOURCE_UNSET,
  IORES_DESC_NONE,
  IORES_DESC_RESERVED,
  NIL,
  REGION_DISJOINT,
  REGION_INTERSECTS,
  REGION_MIXED,
  ResourceTree,
  resourceContains,
  resourceOverlaps,
  x86ArchRemoveReservations,
} from '../../../worker/engine/kernel/resource.js';
import type { Res, ResCopy } from '../../../worker/engine/kernel/resource.js';
import { iomemEntries } from '../../../worker/engine/kernel/iomem.js';
import { PROFILES, PROFILE_NAMES, type ProfileName } from '../../../worker/engine/profiles.js';
import { fixture } from '../userspace/iomem-lines.js';
import { at, dedent, dump, dumpFlags, mk } from './helpers.js';

const MiB = 1n << 20n;
const SYSRAM_BUSY = (IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY) >>> 0;

/** A tree with `n` adjacent 128 MiB top-level "System RAM" nodes from 4 GiB, each via requestRegion. */
function blocks(n: number, semantics?: ConstructorParameters<typeof ResourceTree>[0]): { t: ResourceTree; rs: Res[] } {
  const t = new ResourceTree(semantics);
  const name = t.internName('System RAM');
  const rs: Res[] = [];
  for (let i = 0; i < n; i++) rs.push(t.requestRegion(t.root, 0x100000000n + BigInt(i) * 128n * MiB, 128n * MiB, name, IORESOURCE_SYSTEM_RAM).res);
  return { t, rs };
}

/**
 * The kernel's walk_system_ram_res(0, ~0) written out naively over the pre-order list of `t`
 * (find_next_iomem_res() per call, next_resource() with or without skip_children), counting the
 * nodes it looks at: the reference the emulator's O(log n) visit counts must equal.
 */
function kernelWalkVisits(t: ResourceTree, skipChildren: boolean): number {
  const nodes = [...iomemEntries(t)];
  // Index of the first node after each node's subtree.
  const after = nodes.map((e, i) => {
    let k = i + 1;
    while (k < nodes.length && nodes[k]!.depth > e.depth) k++;
    return k;
  });
  const want = SYSRAM_BUSY;
  let visits = 0;
  let start = 0n;
  const end = (1n << 64n) - 1n;
  for (;;) {
    let skip = skipChildren;
    let hit = -1;
    for (let i = 0; i < nodes.length; ) {
      visits++;
      const e = nodes[i]!;
      if (e.start > end) break;
      if (e.end < start) {
        i = skip ? after[i]! : i + 1;
        continue;
      }
      skip = false;
      if ((t.flags(e.res) & want) >>> 0 === want) {
        hit = i;
        break;
      }
      i++;
    }
    if (hit < 0 || nodes[hit]!.end === end) return visits;
    start = nodes[hit]!.end + 1n;
  }
}

// The kunit vectors of resource_test_union / resource_test_intersection / resource_test_region_intersects
// are in resource-kunit.spec.ts, in the kernel's order.
describe('ioport.h helpers', () => {
  it('overlap is closed-interval and adjacency is not overlap; contains checks type and UNSET', () => {
    expect(resourceOverlaps({ start: 0n, end: 9n }, { start: 9n, end: 12n })).toBe(true);
    expect(resourceOverlaps({ start: 0n, end: 9n }, { start: 10n, end: 12n })).toBe(false);
    expect(resourceContains({ start: 0n, end: 9n, flags: IORESOURCE_MEM }, { start: 2n, end: 3n, flags: IORESOURCE_MEM })).toBe(true);
    expect(resourceContains({ start: 0n, end: 9n, flags: IORESOURCE_MEM }, { start: 2n, end: 3n, flags: 0x100 })).toBe(false);
    expect(resourceContains({ start: 0n, end: 9n, flags: IORESOURCE_MEM | IORESOURCE_UNSET }, { start: 2n, end: 3n, flags: IORESOURCE_MEM })).toBe(false);
  });
});

describe('request_resource (§3.1)', () => {
  const base = () =>
    mk(`
      00001000-00001fff : A
      00003000-00003fff : B
      00005000-00005fff : C
    `);
  const cases: [string, bigint, bigint, number, string | null, number][] = [
    // name, start, end, expected err, conflict name, visits = below(children, start) + stopping node
    ['gap before A', 0x0n, 0xfffn, 0, null, 1],
    ['gap between A and B', 0x2000n, 0x2fffn, 0, null, 2],
    ['after C (append)', 0x6000n, 0x6fffn, 0, null, 3],
    ['overlaps B: first overlapping sibling', 0x2800n, 0x5800n, EBUSY, 'B', 2],
    ['touches A at its last byte', 0x1fffn, 0x2fffn, EBUSY, 'A', 1],
    ['end < start: the root is the conflict', 0x8000n, 0x7fffn, EBUSY, 'PCI mem', 0],
  ];
  it.each(cases)('%s', (_n, s, e, err, conflict, visits) => {
    const t = base();
    const r = t.alloc(t.internName('new'), s, e, IORESOURCE_MEM);
    const c = t.requestResourceConflict(t.root, r);
    expect(c.conflict === NIL ? null : t.name(c.conflict)).toBe(conflict);
    expect(c.visits).toBe(visits);
    const t2 = base();
    const r2 = t2.alloc(t2.internName('new'), s, e, IORESOURCE_MEM);
    expect(t2.requestResource(t2.root, r2).err).toBe(err);
    expect(dump(t2).includes(' : new\n')).toBe(err === 0);
  });
  it('a request outside a small root fails with the root as conflict', () => {
    const t = new ResourceTree({ rootEnd: 0xffffn });
    const r = t.alloc(null, 0xff00n, 0x10000n, IORESOURCE_MEM);
    expect(t.requestResourceConflict(t.root, r).conflict).toBe(t.root);
  });
  it('a size that wraps past 2^64 gives end < start: the request fails with the root as conflict', () => {
    const t = new ResourceTree();
    const r = t.requestRegion(t.root, (1n << 64n) - 0x1000n, 0x2000n, null, 0);
    expect(r).toEqual({ res: NIL, visits: 0 });
    const x = t.alloc(null, (1n << 64n) - 0x1000n, 0xfffn, IORESOURCE_MEM); // as the kernel's wrapped end
    expect(t.requestResourceConflict(t.root, x).conflict).toBe(t.root);
  });
  it('never adopts: a node it would contain is a conflict', () => {
    const t = base();
    const r = t.alloc(null, 0x0n, 0xffffn, IORESOURCE_MEM);
    expect(t.name(t.requestResourceConflict(t.root, r).conflict)).toBe('A');
  });
});

describe('release_resource / remove_resource (§3.2)', () => {
  const text = `
    00001000-00001fff : A
    00002000-00002fff : B
      00002000-000027ff : B1
      00002800-00002fff : B2
    00003000-00003fff : C
  `;
  it('release_resource takes the whole subtree; visits pos + 1', () => {
    const t = mk(text);
    const b = at(t, 0x2000n, 0x2fffn);
    expect(t.releaseResource(b)).toEqual({ err: 0, visits: 2 });
    expect(dump(t)).toBe(dedent('00001000-00001fff : A\n00003000-00003fff : C'));
    expect(t.parent(b)).toBe(NIL);
    expect(t.childCount(b)).toBe(2);
    // A second release of a detached node: -EINVAL
    expect(t.releaseResource(b).err).toBe(EINVAL);
    // It can be requested back with its subtree.
    expect(t.requestResource(t.root, b).err).toBe(0);
    expect(dump(t)).toBe(dedent(text));
  });
  it('remove_resource splices the children into its place; visits pos + 1 + children', () => {
    const t = mk(text);
    const b = at(t, 0x2000n, 0x2fffn);
    expect(t.removeResource(b)).toEqual({ err: 0, visits: 4 });
    expect(dump(t)).toBe(
      dedent(`
      00001000-00001fff : A
      00002000-000027ff : B1
      00002800-00002fff : B2
      00003000-00003fff : C`),
    );
    expect(t.count()).toBe(4);
  });
  it('a childless remove_resource is a release', () => {
    const t = mk(text);
    expect(t.removeResource(at(t, 0x3000n)).visits).toBe(3);
    expect(t.count()).toBe(4);
  });
});

describe('insert_resource (§3.3)', () => {
  const text = `
    00001000-00001fff : A
    00002000-00002fff : B
    00003000-00003fff : C
    00010000-0001ffff : W
      00010000-00010fff : W1
  `;
  const cases: [string, bigint, bigint, string | null, string][] = [
    ['spanning siblings adopts them', 0x1000n, 0x2fffn, null, '00001000-00002fff : X\n  00001000-00001fff : A\n  00002000-00002fff : B\n'],
    ['an identical range becomes the parent', 0x2000n, 0x2fffn, null, '00002000-00002fff : X\n  00002000-00002fff : B\n'],
    ['descends into a strict container, ignoring BUSY', 0x10800n, 0x10fffn, null, '  00010800-00010fff : X\n'],
    ['partial overlap returns that sibling', 0x1800n, 0x2fffn, 'A', ''],
    ['partial overlap further along the run', 0x1000n, 0x3800n, 'C', ''],
  ];
  it.each(cases)('%s', (_n, s, e, conflict, fragment) => {
    const t = mk(text);
    const before = dump(t);
    const x = t.alloc(t.internName('X'), s, e, IORESOURCE_MEM);
    const r = t.insertResourceConflict(t.root, x);
    expect(r.conflict === NIL ? null : t.name(r.conflict)).toBe(conflict);
    if (conflict) expect(dump(t)).toBe(before);
    else {
      expect(dump(t)).toContain(fragment);
      expect(t.insertResource(t.root, t.alloc(null, s, e, IORESOURCE_MEM)).err).toBe(0); // again on top: it nests
    }
  });
  it('visits: request descent + phase B checks + reparenting + predecessor scan', () => {
    const t = mk(text);
    const x = t.alloc(null, 0x2000n, 0x3fffn, IORESOURCE_MEM);
    // request: below=1 + stop 1; phase B: B, C checked (2) + successor W read (1); reparent 2; pos(B)=1
    expect(t.insertResourceConflict(t.root, x)).toEqual({ conflict: NIL, visits: 2 + 3 + 2 + 1 });
    expect(t.preorderIndex(x)).toBe(1);
    expect(t.childCount(x)).toBe(2);
  });
  it('insert_resource_expand_to_fit grows over each conflict and logs it', () => {
    const t = mk(text);
    const x = t.alloc(t.internName('Crash kernel'), 0x1800n, 0x2800n, IORESOURCE_MEM);
    const r = t.insertResourceExpandToFit(t.root, x);
    expect(r.log).toEqual(['Expanded resource Crash kernel due to conflict with A', 'Expanded resource Crash kernel due to conflict with B']);
    expect(dump(t)).toContain('00001000-00002fff : Crash kernel\n  00001000-00001fff : A\n  00002000-00002fff : B\n');
  });
});

describe('adjust_resource (§3.4)', () => {
  const text = `
    00001000-00001fff : A
    00003000-00004fff : B
      00003800-00003fff : B1
    00006000-00006fff : C
  `;
  const cases: [string, bigint, bigint, number][] = [
    ['grow into the gaps', 0x2000n, 0x4000n, 0],
    ['touch the previous sibling', 0x1fffn, 0x2001n, EBUSY],
    ['touch the next sibling', 0x3000n, 0x3001n, EBUSY],
    ['shrink below a child', 0x3900n, 0x1000n, EBUSY],
    ['shrink to exactly the child', 0x3800n, 0x800n, 0],
  ];
  it.each(cases)('%s', (_n, s, size, err) => {
    const t = mk(text);
    const b = at(t, 0x3000n);
    expect(t.adjustResource(b, s, size).err).toBe(err);
    if (err === 0) expect([t.start(b), t.end(b)]).toEqual([s, s + size - 1n]);
    else expect([t.start(b), t.end(b)]).toEqual([0x3000n, 0x4fffn]);
  });
  it('visits pos(res) + next + children', () => {
    const t = mk(text);
    expect(t.adjustResource(at(t, 0x3000n), 0x3000n, 0x2000n).visits).toBe(1 + 1 + 1);
  });
  it('a detached node only checks its children', () => {
    const t = new ResourceTree();
    const r = t.alloc(null, 0x1000n, 0x1fffn, IORESOURCE_MEM);
    expect(t.adjustResource(r, 0x0n, 0x100000n).err).toBe(0);
  });
});

describe('__request_region / __release_region (§3.5, §3.6)', () => {
  const text = `
    00100000-7fffffff : System RAM
    100000000-13fffffff : virtio0
    140000000-17fffffff : Reserved
  `;
  it('descends into a free container and inherits its type, SYSRAM and desc', () => {
    const t = mk(text);
    const n = t.internName('System RAM (virtio_mem)');
    const r = t.requestRegion(t.root, 0x100000000n, 128n * MiB, n, (IORESOURCE_SYSTEM_RAM | IORESOURCE_SYSRAM_DRIVER_MANAGED) >>> 0);
    expect(r.res).not.toBe(NIL);
    expect(r.visits).toBe(2 + 0); // top level: below=1 + virtio0; inside the empty container: 0
    expect(t.flags(r.res)).toBe(0x83000200);
    expect(t.parent(r.res)).toBe(at(t, 0x100000000n, 0x13fffffffn));
    expect(dump(t)).toContain('100000000-13fffffff : virtio0\n  100000000-107ffffff : System RAM (virtio_mem)\n');
  });
  it('inherits desc from the parent it lands in', () => {
    const t = mk(text);
    t.setFlags(at(t, 0x140000000n), IORESOURCE_MEM); // a non-busy reserved window
    const r = t.requestRegion(t.root, 0x140000000n, MiB, null, 0);
    expect(t.desc(r.res)).toBe(IORES_DESC_RESERVED);
    expect(t.flags(r.res)).toBe((IORESOURCE_MEM | IORESOURCE_BUSY) >>> 0);
  });
  const fails: [string, bigint, bigint, number, boolean][] = [
    ['a busy conflict fails', 0x200000n, MiB, 0, false],
    ['sticking out of a free container fails', 0x13ff00000n, 2n * MiB, 0, false],
    ['n = 0 fails (end < start)', 0x180000000n, 0n, 0, false],
    ['MUXED on both sides would block', 0x200000n, MiB, IORESOURCE_MUXED, true],
  ];
  it.each(fails)('%s', (_n, s, n, flags, block) => {
    const t = mk(text);
    if (flags) t.setFlags(at(t, 0x100000n), (t.flags(at(t, 0x100000n)) | IORESOURCE_MUXED) >>> 0);
    const before = dump(t);
    const live = t.allocatedCount();
    const r = t.requestRegion(t.root, s, n, null, flags);
    expect(r.res).toBe(NIL);
    expect(r.wouldBlock === true).toBe(block);
    expect(dump(t)).toBe(before);
    expect(t.allocatedCount()).toBe(live);
  });
  it('__release_region frees the exact busy node, its children drop out with it', () => {
    const t = mk(`
      00100000-7fffffff : System RAM
        01000000-01ffffff : Kernel code
      100000000-13fffffff : virtio0
        100000000-107ffffff : System RAM (virtio_mem)
    `);
    const code = at(t, 0x1000000n);
    expect(t.releaseRegion(t.root, 0x100000000n, 128n * MiB)).toMatchObject({ err: 0, log: [] });
    expect(t.releaseRegion(t.root, 0x100000n, 0x7ff00000n).err).toBe(0);
    expect(dump(t)).toBe('100000000-13fffffff : virtio0\n');
    expect(t.isLive(code)).toBe(true);
    expect(t.parent(code)).toBe(NIL);
  });
  it('__release_region of a range that is not exactly one busy node logs and changes nothing', () => {
    const t = mk(text);
    const r = t.releaseRegion(t.root, 0x100000n, MiB);
    expect(r.err).toBe(EINVAL);
    expect(r.log).toEqual(['Trying to free nonexistent resource <0000000000100000-00000000001fffff>']);
    expect(dump(t)).toBe(dedent(text));
  });
});

describe('allocate_resource / lookup_resource (§3.7, §3.8)', () => {
  const text = `
    00000000-00000fff : Reserved
    00001000-0009fbff : System RAM
    00100000-7fffffff : System RAM
    c0000000-febfffff : PCI Bus 0000:00
  `;
  const cases: [string, bigint, bigint, bigint, bigint, bigint][] = [
    // size, min, max, align → start
    ['first fit, the special case of a child at the root start', 0x1000n, 0n, (1n << 64n) - 1n, 0x1000n, 0xa0000n],
    ['alignment pushes into the next gap', 0x100000n, 0n, (1n << 64n) - 1n, 0x100000n, 0x80000000n],
    ['min clips the window', 128n * MiB, 0x100000000n, (1n << 64n) - 1n, 128n * MiB, 0x100000000n],
    ['a size that fits nowhere below max', 0x40001000n, 0n, 0xbfffffffn, 0x1000n, -1n],
  ];
  it.each(cases)('%s', (_n, size, min, max, align, start) => {
    const t = mk(text);
    const r = t.alloc(t.internName('X'), 0n, 0n, SYSRAM_BUSY);
    const res = t.allocateResource(t.root, r, size, min, max, align);
    if (start < 0n) {
      expect(res.err).toBe(EBUSY);
      expect(t.parent(r)).toBe(NIL);
    } else {
      expect(res.err).toBe(0);
      expect([t.start(r), t.end(r)]).toEqual([start, start + size - 1n]);
      expect(t.parent(r)).toBe(t.root);
    }
  });
  it('the x86 arch hook keeps the larger side of an e820 conflict; alignf chooses inside the window', () => {
    const t = mk(text);
    t.archRemoveReservations = x86ArchRemoveReservations([{ start: 0x80000000n, end: 0x80ffffffn }]);
    const r = t.alloc(null, 0n, 0n, SYSRAM_BUSY);
    expect(t.allocateResource(t.root, r, 0x1000000n, 0x80000000n, 0xbfffffffn, 0x1000000n).err).toBe(0);
    expect(t.start(r)).toBe(0x81000000n);
    const r2 = t.alloc(null, 0n, 0n, SYSRAM_BUSY);
    expect(t.allocateResource(t.root, r2, 0x1000n, 0x100000000n, (1n << 64n) - 1n, 0x1000n, (avail) => avail.start + 0x5000n).err).toBe(0);
    expect(t.start(r2)).toBe(0x100005000n);
  });
  it('an attached node is reallocated (resized in place when it can be)', () => {
    const t = mk(text);
    const r = t.alloc(null, 0n, 0n, SYSRAM_BUSY);
    t.allocateResource(t.root, r, 0x1000n, 0x80000000n, 0xbfffffffn, 0x1000n);
    expect(t.allocateResource(t.root, r, 0x2000n, 0x80000000n, 0xbfffffffn, 0x1000n).err).toBe(0);
    expect([t.start(r), t.end(r)]).toEqual([0x80000000n, 0x80001fffn]);
  });
  it('lookup_resource matches a direct child by exact start; visits pos + 1 or the whole list', () => {
    const t = mk(text);
    expect(t.lookupResource(t.root, 0x100000n)).toEqual({ res: at(t, 0x100000n), visits: 3 });
    expect(t.lookupResource(t.root, 0x100001n)).toEqual({ res: NIL, visits: 4 });
  });
});

describe('walks (§3.9) and the kunit walk_iomem_res_desc test (§6.2)', () => {
  function kunitWalkTree(): { t: ResourceTree; root: Res } {
    const t = new ResourceTree();
    const root = t.alloc(t.internName('Resource Walk Test'), 0n, 0n, 0);
    expect(t.allocateResource(t.root, root, 0x100000n, 0n, (1n << 64n) - 1n, 0x100000n).err).toBe(0);
    const add = (parent: Res, name: string, off: bigint, size: bigint, flags: number): Res => {
      const r = t.alloc(t.internName(name), t.start(root) + off, t.start(root) + off + size - 1n, flags);
      expect(t.requestResource(parent, r).err).toBe(0);
      return r;
    };
    add(root, 'SYSRAM 1', 0x0n, 0x1000n, IORESOURCE_SYSTEM_RAM);
    add(root, 'OTHER', 0x1000n, 0x1000n, 0);
    const nested = add(root, 'NESTED', 0x3000n, 0x1000n, 0);
    add(nested, 'SYSRAM 2', 0x3800n, 0x400n, IORESOURCE_SYSTEM_RAM);
    add(root, 'SYSRAM 3', 0x4000n, 0x1000n, IORESOURCE_SYSTEM_RAM);
    return { t, root };
  }
  const ranges: [string, bigint, bigint, number][] = [
    ['whole root', 0x0n, 0xfffffn, 3],
    ["OTHER's range", 0x1000n, 0x1fffn, 0],
    ["NESTED's range", 0x3000n, 0x3fffn, 1],
    ["SYSRAM 3's range", 0x4000n, 0x4fffn, 1],
  ];
  it.each(ranges)('%s', (_n, off, offEnd, count) => {
    const { t, root } = kunitWalkTree();
    let n = 0;
    const r = t.walkIomemResDesc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM, t.start(root) + off, t.start(root) + offEnd, () => {
      n++;
      return 0;
    });
    expect(n).toBe(count);
    expect(r.ret).toBe(count === 0 ? EINVAL : 0);
    expect(t.releaseResource(root).err).toBe(0);
    expect(t.count()).toBe(0);
  });

  it('N adjacent top-level System RAM nodes cost about N(N+1)/2 visits to walk; one merged node costs 1', () => {
    for (const n of [1, 4, 16, 64]) {
      const { t } = blocks(n);
      const copies: ResCopy[] = [];
      const end = 0x100000000n + BigInt(n) * 128n * MiB - 1n;
      const w = t.walkSystemRamRes(0x100000000n, end, (c) => {
        copies.push(c);
        return 0;
      });
      expect(copies.length).toBe(n);
      expect(w.visits).toBe((n * (n + 1)) / 2);
      expect(copies[0]).toEqual({ start: 0x100000000n, end: 0x107ffffffn, flags: SYSRAM_BUSY, desc: 0 });
    }
    const { t, rs } = blocks(64);
    for (const r of rs) t.mergeSystemRamResource(r);
    const w = t.walkSystemRamRes(0x100000000n, 0x100000000n + 64n * 128n * MiB - 1n, () => 0);
    expect(w.visits).toBe(1);
  });

  it('find_next_iomem_res: 5.13 until 6fb3acdebf65 walks the subtrees of top-level nodes before the range', () => {
    // The boot map of the oracle traces (q35, 2 GiB) with 4 hot-added 128 MiB blocks in virtio0,
    // unmerged and merged; walk_system_ram_res over everything, as kexec_file_load's crash walk.
    const trace = fixture('oracle/a-grow-shrink-4g.txt');
    const seed = trace.split('--- iomem\n')[1]!.split('--- memory-blocks')[0]!;
    const block = (i: number): string => `  ${(0x100000000 + i * 0x8000000).toString(16)}-${(0x100000000 + (i + 1) * 0x8000000 - 1).toString(16)} : System RAM (virtio_mem)\n`;
    const withBlocks = (added: string): string => seed.replace('100000000-10ffffffff : virtio0\n', `100000000-10ffffffff : virtio0\n${added}`);
    const unmerged = withBlocks([0, 1, 2, 3].map(block).join(''));
    const merged = withBlocks('  100000000-11fffffff : System RAM (virtio_mem)\n');
    const walk = (text: string, skip: boolean): { found: number; visits: number } => {
      const t = mk(text, { semantics: { findNextSkipsChildren: skip } });
      let found = 0;
      const w = t.walkSystemRamRes(0n, (1n << 64n) - 1n, () => {
        found++;
        return 0;
      });
      expect(w.visits).toBe(kernelWalkVisits(t, skip));
      return { found, visits: w.visits };
    };
    // 29 boot lines + virtio0's children. With the skip each search passes the earlier top-level
    // nodes alone; without it, "Kernel code" .. "Kernel bss", "System ROM", "Reserved" under ECAM …
    // are visited again by every later search.
    expect(walk(unmerged, true)).toEqual({ found: 6, visits: 113 });
    expect(walk(unmerged, false)).toEqual({ found: 6, visits: 166 });
    expect(walk(merged, true)).toEqual({ found: 3, visits: 53 });
    expect(walk(merged, false)).toEqual({ found: 3, visits: 70 });
  });

  it('walk scope: 5.10 walk_system_ram_res misses System RAM nested under virtio0, 5.13+ sees it', () => {
    const text = `
      00100000-7fffffff : System RAM
      100000000-13fffffff : virtio0
        100000000-107ffffff : System RAM (virtio_mem)
    `;
    const found = (scope: 'top-level' | 'whole-tree'): bigint[] => {
      const t = mk(text, { semantics: { walkScope: scope } });
      const out: bigint[] = [];
      t.walkSystemRamRes(0n, (1n << 40n) - 1n, (c) => {
        out.push(c.start);
        return 0;
      });
      return out;
    };
    expect(found('top-level')).toEqual([0x100000n]);
    expect(found('whole-tree')).toEqual([0x100000n, 0x100000000n]);
    // walk_system_ram_range always sees the whole tree
    const t = mk(text, { semantics: { walkScope: 'top-level' } });
    const pfns: [bigint, bigint][] = [];
    t.walkSystemRamRange(0x100000n, 0x10000n, (pfn, nr) => {
      pfns.push([pfn, nr]);
      return 0;
    });
    expect(pfns).toEqual([[0x100000n, 0x8000n]]);
  });

  it('walk_system_ram_range skips sub-page pieces and keeps the previous return value', () => {
    const t = mk(`
      00001000-000017ff : System RAM
      00002000-00003fff : System RAM
    `);
    const calls: [bigint, bigint][] = [];
    const r = t.walkSystemRamRange(0n, 16n, (pfn, nr) => {
      calls.push([pfn, nr]);
      return 0;
    });
    // The first piece is half a page: no callback, ret stays -EINVAL, which ends the walk.
    expect(calls).toEqual([]);
    expect(r.ret).toBe(EINVAL);
    const r2 = t.walkSystemRamRange(2n, 2n, (pfn, nr) => {
      calls.push([pfn, nr]);
      return 0;
    });
    expect(calls).toEqual([[2n, 2n]]);
    expect(r2.ret).toBe(0);
  });

  it('a non-zero callback value stops the walk and is returned; a 1-byte range is never searched', () => {
    const { t } = blocks(4);
    let n = 0;
    expect(
      t.walkMemRes(0x100000000n, 0x1ffffffffn, () => {
        n++;
        return 7;
      }).ret,
    ).toBe(7);
    expect(n).toBe(1);
    expect(t.walkIomemResDesc(0, 0, 0x100000000n, 0x100000000n, () => 0).ret).toBe(EINVAL);
  });
});

describe('region_intersects: 6.12 vs 6.13 vs 5.10 (§6.3)', () => {
  it('6.12 walks on past the subtree (until a match or the end of the tree), 6.13 stops at its end: same results', () => {
    const text = `
      00001000-00001fff : PCI Bus 0000:00
        00001000-000010ff : 0000:00:01.0
      00002000-00002fff : System RAM
      00003000-00003fff : Reserved
      00004000-00004fff : Reserved
    `;
    const rows: [bigint, bigint, number, number, number][] = [
      // start, size, result, visits 6.12, visits 6.13 (4 top-level nodes each time)
      [0x1800n, 0x1000n, REGION_MIXED, 4 + 2, 4 + 1],
      [0x1800n, 0x100n, REGION_DISJOINT, 4 + 4, 4 + 1],
    ];
    for (const [s, size, result, v612, v613] of rows) {
      const a = mk(text, { semantics: { regionIntersects: '6.12' } }).regionIntersects(s, size, IORESOURCE_SYSTEM_RAM, 0);
      const b = mk(text, { semantics: { regionIntersects: '6.13' } }).regionIntersects(s, size, IORESOURCE_SYSTEM_RAM, 0);
      expect([a.result, a.visits]).toEqual([result, v612]);
      expect([b.result, b.visits]).toEqual([result, v613]);
    }
  });
  it('5.10: the virtio0 container matches SYSTEM_RAM even over unplugged parts', () => {
    const t = mk('100000000-13fffffff : virtio0\n', { semantics: { regionIntersects: '5.10' } });
    expect(t.regionIntersects(0x120000000n, MiB, IORESOURCE_SYSTEM_RAM, 0).result).toBe(REGION_INTERSECTS);
  });
});

describe('release_mem_region_adjustable (§3.11), 5.10 and pre-5.10', () => {
  const merged = `
    100000000-13fffffff : System RAM
    140000000-33fffffff : virtio0
      140000000-1bfffffff : System RAM (virtio_mem)
  `;
  const cases: [string, bigint, string][] = [
    ['middle: split, the upper part is a new node keeping MERGEABLE', 0x160000000n, '  140000000-15fffffff : System RAM (virtio_mem) [87000200]\n  168000000-1bfffffff : System RAM (virtio_mem) [87000200]\n'],
    ['same start: the start moves', 0x140000000n, '  148000000-1bfffffff : System RAM (virtio_mem) [87000200]\n'],
    ['same end: the end moves', 0x1b8000000n, '  140000000-1b7ffffff : System RAM (virtio_mem) [87000200]\n'],
  ];
  it.each(cases)('%s', (_n, start, expected) => {
    for (const version of ['5.10', 'pre-5.10'] as const) {
      const t = mk(merged, { semantics: { releaseAdjustable: version } });
      const node = at(t, 0x140000000n, 0x1bfffffffn);
      expect(t.releaseMemRegionAdjustable(start, 128n * MiB).err).toBe(0);
      expect(dumpFlags(t)).toContain('140000000-33fffffff : virtio0 [9000200]\n' + expected);
      expect(t.isLive(node)).toBe(true); // the lower (or only) part keeps the original object
      expect(t.child(t.parent(node))).toBe(node);
    }
  });
  it('exact: the node is freed', () => {
    const t = mk(merged);
    const node = at(t, 0x140000000n, 0x1bfffffffn);
    expect(t.releaseMemRegionAdjustable(0x140000000n, 0x80000000n)).toEqual({ err: 0, visits: 2 + 1 });
    expect(t.isLive(node)).toBe(false);
    expect(dump(t)).toBe('100000000-13fffffff : System RAM\n140000000-33fffffff : virtio0\n');
  });
  it('children that would not fit the lower part: pre-5.10 -EBUSY, 5.10 no error; nothing changes', () => {
    const text = `
      100000000-1ffffffff : System RAM
        1c0000000-1c0000fff : Crash kernel
    `;
    for (const [version, err] of [['pre-5.10', EBUSY], ['5.10', 0]] as const) {
      const t = mk(text, { semantics: { releaseAdjustable: version } });
      expect(t.releaseMemRegionAdjustable(0x180000000n, 128n * MiB).err).toBe(err);
      expect(dump(t)).toBe(dedent(text));
      expect(t.allocatedCount()).toBe(3);
    }
  });
  it('nothing contains the range: pre-5.10 -EINVAL, 5.10 silent; no SYSRAM: pre-5.10 returns 0', () => {
    const text = `
      100000000-13fffffff : System RAM
      140000000-17fffffff : PCI Bus 0000:00
    `;
    const pre = mk(text, { semantics: { releaseAdjustable: 'pre-5.10', releaseSysramCheck: true } });
    expect(pre.releaseMemRegionAdjustable(0x200000000n, 128n * MiB).err).toBe(EINVAL);
    expect(pre.releaseMemRegionAdjustable(0x140000000n, 128n * MiB).err).toBe(0);
    expect(pre.releaseMemRegionAdjustable(0x138000000n, 256n * MiB).err).toBe(EINVAL); // straddles two nodes
    const now = mk(text);
    expect(now.releaseMemRegionAdjustable(0x200000000n, 128n * MiB).err).toBe(0);
    expect(dump(now)).toBe(dedent(text));
  });
  it('the IORESOURCE_SYSRAM check (until e686c32590f4): hot-added RAM under a plain MEM node stays', () => {
    // The dax/kmem case of e686c32590f4's message: e820's "Persistent Memory" (MEM, not busy) holds
    // namespace3.0 and dax3.0 (SYSTEM_RAM, not busy), which holds the driver-managed "System RAM (kmem)".
    const build = (check: boolean | ProfileName): ResourceTree => {
      const t = new ResourceTree({ semantics: typeof check === 'boolean' ? { releaseSysramCheck: check } : PROFILES[check].resource });
      const add = (parent: Res, name: string, start: bigint, end: bigint, flags: number): Res => {
        const r = t.alloc(t.internName(name), start, end, flags >>> 0);
        expect(t.requestResource(parent, r).err).toBe(0);
        return r;
      };
      const pmem = add(t.root, 'Persistent Memory', 0x480000000n, 0x243fffffffn, IORESOURCE_MEM);
      add(pmem, 'namespace3.0', 0x480000000n, 0x57e1fffffn, IORESOURCE_MEM | IORESOURCE_BUSY);
      const dax = add(pmem, 'dax3.0', 0x580000000n, 0x243fffffffn, IORESOURCE_SYSTEM_RAM);
      add(dax, 'System RAM (kmem)', 0x580000000n, 0x243fffffffn, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY | IORESOURCE_SYSRAM_DRIVER_MANAGED);
      return t;
    };
    const before = '480000000-243fffffff : Persistent Memory\n  480000000-57e1fffff : namespace3.0\n  580000000-243fffffff : dax3.0\n';
    const kept = build(true);
    expect(kept.releaseMemRegionAdjustable(0x580000000n, 0x1ec0000000n)).toEqual({ err: 0, visits: 1 });
    expect(dump(kept)).toBe(before + '    580000000-243fffffff : System RAM (kmem)\n');
    const freed = build(false);
    // root: Persistent Memory (1); inside it namespace3.0 ends below, dax3.0 (1 + 1); inside dax3.0 (1)
    expect(freed.releaseMemRegionAdjustable(0x580000000n, 0x1ec0000000n)).toEqual({ err: 0, visits: 1 + 2 + 1 });
    expect(dump(freed)).toBe(before);
    // Per profile: 5.9, the RFC and 5.10.0 predate the removal; 6.1.192 and 6.12.95 carry it.
    const leaks = PROFILE_NAMES.filter((name) => {
      const t = build(name);
      t.releaseMemRegionAdjustable(0x580000000n, 0x1ec0000000n);
      return dump(t) !== before;
    });
    expect(leaks).toEqual(['5.9', 'rfc-v1', '5.10']);
  });
  it('its stop test is start >= end: a 1-byte range at a node start is never found', () => {
    const t = mk('100000000-13fffffff : System RAM\n', { semantics: { releaseAdjustable: 'pre-5.10' } });
    expect(t.releaseMemRegionAdjustable(0x100000000n, 1n).err).toBe(EINVAL);
    expect(t.releaseMemRegionAdjustable(0x100000001n, 1n).err).toBe(0);
  });
});

describe('merge_system_ram_resource (§3.12)', () => {
  const addRam = (t: ResourceTree, parent: Res, start: bigint, name: string, flags = SYSRAM_BUSY): Res =>
    t.requestRegion(parent, start, 128n * MiB, t.internName(name), flags).res;

  it('forward, backward and both; the survivor is prev after a backward merge and the others are dead', () => {
    const { t, rs } = blocks(3);
    // Mark the outer two mergeable first (they have no mergeable neighbours yet).
    expect(t.mergeSystemRamResource(rs[0]!).survivor).toBe(rs[0]);
    expect(t.mergeSystemRamResource(rs[2]!).survivor).toBe(rs[2]);
    expect(t.count()).toBe(3);
    const m = t.mergeSystemRamResource(rs[1]!);
    expect(m.survivor).toBe(rs[0]);
    expect(t.isLive(rs[1]!)).toBe(false);
    expect(t.isLive(rs[2]!)).toBe(false);
    expect(dumpFlags(t)).toBe('100000000-117ffffff : System RAM [85000200]\n');
  });
  it('forward only keeps res as the survivor', () => {
    const { t, rs } = blocks(2);
    t.mergeSystemRamResource(rs[1]!);
    expect(t.mergeSystemRamResource(rs[0]!).survivor).toBe(rs[0]);
    expect(t.isLive(rs[1]!)).toBe(false);
    expect(dump(t)).toBe('100000000-10fffffff : System RAM\n');
  });
  it('visits: next (1) + the predecessor scan (pos, or the whole list when res is first)', () => {
    const { t, rs } = blocks(5);
    expect(t.mergeSystemRamResource(rs[3]!).visits).toBe(1 + 3);
    expect(t.mergeSystemRamResource(rs[0]!).visits).toBe(1 + 5);
    expect(t.mergeSystemRamResource(rs[4]!).visits).toBe(0 + 4);
  });
  it('never merges with boot RAM, across parents, with children, or with a different name pointer', () => {
    const t = mk(`
      00100000-7fffffff : System RAM
      100000000-13fffffff : virtio0
      140000000-17fffffff : virtio1
    `);
    // Boot RAM ends at 0x7fffffff: a hot-added neighbour at 0x80000000 does not merge with it.
    const a = addRam(t, t.root, 0x80000000n, 'System RAM');
    expect(t.mergeSystemRamResource(a).survivor).toBe(a);
    // Last block of virtio0 and first block of virtio1 are adjacent but under different parents.
    const b = addRam(t, t.root, 0x138000000n, 'System RAM (virtio_mem)', (SYSRAM_BUSY | IORESOURCE_SYSRAM_DRIVER_MANAGED) >>> 0);
    const c = addRam(t, t.root, 0x140000000n, 'System RAM (virtio_mem)', (SYSRAM_BUSY | IORESOURCE_SYSRAM_DRIVER_MANAGED) >>> 0);
    t.mergeSystemRamResource(b);
    expect(t.mergeSystemRamResource(c).survivor).toBe(c);
    // Same text, other owner: another pointer.
    const d = t.requestRegion(t.root, 0x180000000n, 128n * MiB, t.internName('System RAM', 'xen'), SYSRAM_BUSY).res;
    const e = addRam(t, t.root, 0x188000000n, 'System RAM');
    t.mergeSystemRamResource(d);
    expect(t.mergeSystemRamResource(e).survivor).toBe(e);
    // A child blocks merging.
    const f = addRam(t, t.root, 0x190000000n, 'System RAM');
    t.requestRegion(f, 0x190000000n, MiB, null, 0);
    expect(t.mergeSystemRamResource(f).survivor).toBe(f);
    expect(t.count()).toBe(3 + 7);
  });
  it('WARNs and does nothing without SYSTEM_RAM|BUSY', () => {
    const t = mk('100000000-13fffffff : virtio0\n');
    const v = at(t, 0x100000000n);
    expect(t.mergeSystemRamResource(v).survivor).toBe(v);
    expect(t.flags(v) & IORESOURCE_SYSRAM_MERGEABLE).toBe(0);
    expect(t.flags(v)).toBe((IORESOURCE_SYSTEM_RAM | IORESOURCE_EXCLUSIVE) >>> 0);
  });
  it('re-plugging a hole merges both neighbours into one node (§7.3)', () => {
    const t = mk(`
      140000000-33fffffff : virtio0
        140000000-15fffffff : System RAM (virtio_mem)
        168000000-1bfffffff : System RAM (virtio_mem)
    `);
    const lower = at(t, 0x140000000n, 0x15fffffffn);
    const name = t.nameId(lower)!;
    const r = t.requestRegion(t.root, 0x160000000n, 128n * MiB, name, (IORESOURCE_SYSTEM_RAM | IORESOURCE_SYSRAM_DRIVER_MANAGED) >>> 0);
    expect(t.flags(r.res)).toBe(0x83000200);
    const m = t.mergeSystemRamResource(r.res);
    expect(m.survivor).toBe(lower);
    expect(dump(t)).toBe('140000000-33fffffff : virtio0\n  140000000-1bfffffff : System RAM (virtio_mem)\n');
  });
});

describe("the RFC's merge_child_mem_resources (§3.13)", () => {
  function unmerged(n: number): ResourceTree {
    const lines = ['140000000-33fffffff : virtio0'];
    for (let i = 0; i < n; i++) {
      const s = 0x140000000n + BigInt(i) * 128n * MiB;
      lines.push(`  ${s.toString(16)}-${(s + 128n * MiB - 1n).toString(16)} : System RAM (virtio_mem)`);
    }
    return mk(lines.join('\n'), { hotplugMergeable: false });
  }
  const cases: [number, number[]][] = [
    [2, [1]],
    [3, [2, 1]],
    [4, [2, 1]],
    [5, [3, 2, 1]],
    [16, [8, 4, 2, 1]],
  ];
  it.each(cases)('%i adjacent nodes: each pass merges pairs, not runs -> %j', (n, counts) => {
    const t = unmerged(n);
    const v = at(t, 0x140000000n);
    for (const c of counts) {
      const before = t.childCount(v);
      const r = t.mergeChildMemResources(v, 'System RAM (virtio_mem)');
      expect(r.visits).toBe(before);
      expect(t.childCount(v)).toBe(c);
    }
    expect(t.mergeChildMemResources(v, 'System RAM (virtio_mem)').merged).toBe(0);
  });
  it('A,B,C -> AB,C; a second call merges the rest', () => {
    const t = unmerged(3);
    const v = at(t, 0x140000000n);
    expect(t.mergeChildMemResources(v, 'System RAM (virtio_mem)').merged).toBe(1);
    expect(dump(t)).toBe('140000000-33fffffff : virtio0\n  140000000-14fffffff : System RAM (virtio_mem)\n  150000000-157ffffff : System RAM (virtio_mem)\n');
    expect(t.mergeChildMemResources(v, 'System RAM (virtio_mem)').merged).toBe(1);
    expect(dump(t)).toBe('140000000-33fffffff : virtio0\n  140000000-157ffffff : System RAM (virtio_mem)\n');
  });
  it('compares the name with strcmp for candidates, and ignores nodes of other names', () => {
    const t = unmerged(2);
    expect(t.mergeChildMemResources(at(t, 0x140000000n), 'System RAM').merged).toBe(0);
    // The RFC has no BUSY/SYSRAM requirement and no mergeable flag: boot RAM merges with an equal pointer.
    const boot = mk('100000000-13fffffff : System RAM\n140000000-17fffffff : System RAM\n');
    expect(boot.mergeChildMemResources(boot.root, 'System RAM').merged).toBe(1);
    expect(dump(boot)).toBe('100000000-17fffffff : System RAM\n');
  });
});

describe('handles and the index', () => {
  it('count, topLevelCount, depth, indexOf, prevSibling, child/sibling/parent', () => {
    const t = mk(`
      00001000-00001fff : A
      00002000-00002fff : B
        00002000-000027ff : B1
          00002000-000023ff : B1a
        00002800-00002fff : B2
      00003000-00003fff : C
    `);
    const b2 = at(t, 0x2800n);
    expect(t.count()).toBe(6);
    expect(t.topLevelCount()).toBe(3);
    expect(t.depth(at(t, 0x2000n, 0x23ffn))).toBe(2);
    expect(t.indexOf(b2)).toBe(1);
    expect(t.prevSibling(b2)).toBe(at(t, 0x2000n, 0x27ffn));
    expect(t.prevSibling(at(t, 0x1000n))).toBe(NIL);
    expect(t.sibling(at(t, 0x2000n, 0x2fffn))).toBe(at(t, 0x3000n));
    expect(t.child(at(t, 0x2000n, 0x2fffn))).toBe(at(t, 0x2000n, 0x27ffn));
    expect(t.preorderIndex(at(t, 0x3000n))).toBe(5);
  });
  it('childAt finds the child containing an address in O(log n), without visits', () => {
    const { t, rs } = blocks(100);
    const v = t.totalVisits;
    expect(t.childAt(t.root, 0x100000000n + 37n * 128n * MiB + 5n)).toBe(rs[37]);
    expect(t.childAt(t.root, 0x100000000n - 1n)).toBe(NIL);
    expect(t.childAt(t.root, 0x100000000n + 100n * 128n * MiB)).toBe(NIL);
    expect(t.totalVisits).toBe(v);
  });
  it('a freed handle is dead and its slot is reused', () => {
    const t = new ResourceTree();
    const a = t.alloc(null, 0n, 1n, 0);
    t.free(a);
    expect(t.isLive(a)).toBe(false);
    expect(t.isLive(-1)).toBe(false);
    expect(t.isLive(12345)).toBe(false);
    expect(t.alloc(null, 0n, 1n, 0)).toBe(a);
  });
  it('names: same (text, owner) -> same id', () => {
    const t = new ResourceTree();
    expect(t.internName('System RAM')).toBe(t.internName('System RAM', 'kernel'));
    expect(t.internName('System RAM', 'boot')).not.toBe(t.internName('System RAM'));
    expect(t.nameText(t.internName('x'))).toBe('x');
  });
  it('addresses are exact 64-bit values', () => {
    const t = new ResourceTree();
    const top = (1n << 64n) - 1n;
    const r = t.requestRegion(t.root, top - 0xfffn, 0x1000n, t.internName('top'), 0);
    expect(t.end(r.res)).toBe(top);
    expect(dump(t)).toBe('fffffffffffff000-ffffffffffffffff : top\n');
  });
  it('refuses to link a node under itself or its own subtree (the kernel would corrupt its lists)', () => {
    const t = new ResourceTree();
    const a = t.alloc(null, 0x1000n, 0x1fffn, IORESOURCE_MEM);
    const b = t.alloc(null, 0x1000n, 0x1fffn, IORESOURCE_MEM);
    expect(t.requestResource(a, b).err).toBe(0);
    expect(t.requestResourceConflict(b, a).conflict).toBe(b);
    expect(t.insertResourceConflict(a, a).conflict).toBe(a);
    expect(t.allocateResource(b, a, 0x10n, 0n, 0xffffn, 1n).err).toBe(EBUSY);
    expect(t.checkInvariants(a)).toEqual([]);
  });
  it('resizing the root across 0x10000 changes the hex width and the file size with it', () => {
    const t = new ResourceTree({ rootEnd: 0xffffn });
    t.requestRegion(t.root, 0x10n, 0x10n, t.internName('x'), 0);
    expect(dump(t)).toBe('0010-001f : x\n');
    expect(t.adjustResource(t.root, 0n, 1n << 32n).err).toBe(0);
    expect(dump(t)).toBe('00000010-0000001f : x\n');
    expect(t.iomemTextBytes()).toBe(dump(t).length);
  });
  it('totalVisits accumulates every operation', () => {
    const { t } = blocks(10);
    expect(t.totalVisits).toBe((10 * 9) / 2);
  });
});
