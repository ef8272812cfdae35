import { describe, expect, it } from 'vitest';
import { Machine, type MachineConfig } from '../../../worker/engine/machine/machine.js';
import { bootMapIomem } from '../../../worker/engine/machine/boot-maps.js';
import { computeBalloonFloor, HvBalloon } from '../../../worker/engine/drivers/hv-balloon.js';
import { iomemEntries } from '../../../worker/engine/kernel/iomem.js';
import { kdumpView } from '../../../worker/engine/userspace/kexec.js';
import { EINVAL, ENODEV } from '../../../worker/engine/errno.js';
import type { ProfileName } from '../../../worker/engine/profiles.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const PFN_4G = 0x100000n;
const CHUNK_PAGES = 32768n;

function boot(profile: ProfileName, opts: Partial<MachineConfig> = {}, params: Record<string, unknown> = {}): { m: Machine; hv: HvBalloon } {
  const r = Machine.create({ bootIomem: bootMapIomem('q35-2g'), physBits: 40, blockSize: 128n * MiB, onlinePolicy: 'online_movable', profile, ...opts });
  if (!r.ok) throw new Error(r.error);
  const d = r.machine.addDevice({ kind: 'hv-balloon', id: 'hv0', ...params });
  if (!d.ok) throw new Error(d.error);
  return { m: r.machine, hv: d.device as HvBalloon };
}

/** The /proc/iomem lines above the 2 GiB boot RAM that hold hot-added memory. */
function hotAdded(m: Machine): string[] {
  return m.renderIomem().split('\n').filter((l) => /^1[0-9a-f]{8}-1[0-9a-f]{8} : System RAM$/.test(l));
}

function logs(m: Machine, source = 'hv_balloon'): string[] {
  return m.log.entries().filter((e) => e.source === source).map((e) => `${e.level}: ${e.message}`);
}

describe('hv_balloon hot-add', () => {
  it('adds 1 GiB in eight 128 MiB chunks; 5.10+ merges them into one top-level line', () => {
    const { m, hv } = boot('6.12');
    expect(hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 8n * CHUNK_PAGES })).toBe(0);
    m.settle();
    expect(hotAdded(m)).toEqual(['100000000-13fffffff : System RAM']);
    expect(hv.hotAddResponses()).toEqual([{ pageCount: 262144n, result: 1 }]);
    expect(hv.hotAddRegions()).toEqual([{ startPfn: PFN_4G, endPfn: PFN_4G + 262144n, haEndPfn: PFN_4G + 262144n, coveredStartPfn: PFN_4G, coveredEndPfn: PFN_4G + 262144n, gaps: [] }]);
    expect(m.renderMemoryBlocks()).toContain('memory39 online Movable\n');
    expect(hv.state().plugged).toBe(GiB);
    expect(hv.pagesOnlined()).toBe(262144n);
    // Auto-onlined during add_memory(): the 5 s wait returns at once.
    expect(m.clock.now).toBe(0);
    expect(logs(m)).toEqual(['info: Using Dynamic Memory protocol version 2.0']);
  });

  it.each([
    ['5.9', 8],
    ['rfc-v1', 1],
    ['5.10', 1],
  ] as const)('profile %s leaves %i line(s) for 1 GiB', (profile, lines) => {
    const { m, hv } = boot(profile);
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 8n * CHUNK_PAGES });
    m.settle();
    expect(hotAdded(m)).toHaveLength(lines);
    expect(hotAdded(m)[0]).toBe(lines === 8 ? '100000000-107ffffff : System RAM' : '100000000-13fffffff : System RAM');
  });

  it('never merges hot-added memory with boot System RAM or other add_memory() users than its own chunks', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: CHUNK_PAGES });
    m.settle();
    hv.request({ type: 'hot-add', startPfn: PFN_4G + CHUNK_PAGES, pages: CHUNK_PAGES });
    m.settle();
    // The second request starts exactly at the first region's end: a new region, still merged.
    expect(hv.hotAddRegions()).toHaveLength(2);
    expect(hotAdded(m)).toEqual(['100000000-10fffffff : System RAM']);
    expect(m.renderIomem()).toContain('00100000-7ffdffff : System RAM\n');
  });

  it('a partially backed chunk onlines only the backed pages; a continuation covers the rest first', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 25600n }); // 100 MiB
    m.settle();
    expect(hotAdded(m)).toEqual(['100000000-107ffffff : System RAM']);
    expect(hv.hotAddResponses().at(-1)).toEqual({ pageCount: 25600n, result: 1 });
    expect(hv.pagesOnlined()).toBe(25600n);
    expect(m.renderMemoryBlocks()).toContain('memory32 online Movable\n');

    hv.request({ type: 'hot-add', startPfn: PFN_4G + 25600n, pages: 7168n + CHUNK_PAGES });
    m.settle();
    expect(hv.hotAddRegions()).toEqual([{ startPfn: PFN_4G, endPfn: PFN_4G + 2n * CHUNK_PAGES, haEndPfn: PFN_4G + 2n * CHUNK_PAGES, coveredStartPfn: PFN_4G, coveredEndPfn: PFN_4G + 2n * CHUNK_PAGES, gaps: [] }]);
    expect(hv.hotAddResponses().at(-1)).toEqual({ pageCount: 7168n + CHUNK_PAGES, result: 1 });
    expect(hv.pagesOnlined()).toBe(2n * CHUNK_PAGES);
    expect(hotAdded(m)).toEqual(['100000000-10fffffff : System RAM']);
  });

  it('records a gap when a request starts past the covered end; gap pages stay offline', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 16384n });
    m.settle();
    hv.request({ type: 'hot-add', startPfn: PFN_4G + 20000n, pages: 1000n });
    m.settle();
    const [has] = hv.hotAddRegions();
    expect(has!.gaps).toEqual([{ startPfn: PFN_4G + 16384n, endPfn: PFN_4G + 20000n }]);
    expect(has!.coveredEndPfn).toBe(PFN_4G + 21000n);
    expect(hv.pagesOnlined()).toBe(16384n + 1000n);
    expect(hv.state().plugged).toBe((16384n + 1000n) * 4096n);
  });

  it('uses a host-specified region verbatim and adds whole chunks for the pages from its start', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 40000n, regionStartPfn: PFN_4G, regionPages: 40000n });
    m.settle();
    const [has] = hv.hotAddRegions();
    expect(has).toEqual({ startPfn: PFN_4G, endPfn: PFN_4G + 40000n, haEndPfn: PFN_4G + 65536n, coveredStartPfn: PFN_4G, coveredEndPfn: PFN_4G + 40000n, gaps: [] });
    expect(hotAdded(m)).toEqual(['100000000-10fffffff : System RAM']);
  });

  it('waits up to 5 s per chunk for onlining when the kernel does not online by itself', () => {
    const { m, hv } = boot('6.12', { onlinePolicy: 'offline' });
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 2n * CHUNK_PAGES });
    m.settle();
    expect(hv.state().details.waitingForOnline).toBe(true);
    expect(hv.work()).toBe('waiting');
    expect(hotAdded(m)).toEqual(['100000000-107ffffff : System RAM']);
    // User space onlines the block after 1.5 s: the wait ends there, the next chunk follows.
    m.advance(1500);
    expect(m.guestWriteState(32, 'online_movable')).toBe(0);
    m.settle();
    expect(hotAdded(m)).toEqual(['100000000-10fffffff : System RAM']);
    expect(hv.hotAddResponses()).toEqual([]);
    // Nobody onlines the second block: the response goes out when the 5 s are over.
    m.settle(10_000);
    expect(m.clock.now).toBe(6500);
    expect(hv.hotAddResponses()).toEqual([{ pageCount: 2n * CHUNK_PAGES, result: 1 }]);
    expect(hv.pagesOnlined()).toBe(CHUNK_PAGES);
  });

  it('the pre-5.10 driver waits only when memory is not auto-onlined', () => {
    const online = boot('5.9', { onlinePolicy: 'online' });
    online.hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 2n * CHUNK_PAGES });
    online.m.settle();
    expect(online.hv.hotAddResponses()).toHaveLength(1);
    const offline = boot('5.9', { onlinePolicy: 'offline' });
    offline.hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 2n * CHUNK_PAGES });
    offline.m.settle(60_000);
    expect(offline.m.clock.now).toBe(10_000);
  });
});

describe('hv_balloon faults', () => {
  it('add_memory failing stops the request: transient failure, "Memory hot add failed", next request works', () => {
    const { m, hv } = boot('6.12');
    m.faults.failAddMemory({ start: 0x108000000n });
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 3n * CHUNK_PAGES });
    m.settle();
    // The first chunk went in, the second failed, the third was never tried.
    expect(hotAdded(m)).toEqual(['100000000-107ffffff : System RAM']);
    expect(hv.hotAddResponses()).toEqual([{ pageCount: CHUNK_PAGES, result: 1 }]);
    expect(logs(m)).toContain('error: hot_add memory failed error is -12');
    m.faults.failAddMemory();
    hv.request({ type: 'hot-add', startPfn: 0x200000n, pages: CHUNK_PAGES });
    m.settle();
    expect(hv.hotAddResponses().at(-1)).toEqual({ pageCount: 0n, result: 0 });
    expect(logs(m).at(-1)).toBe('error: Memory hot add failed');
    hv.request({ type: 'hot-add', startPfn: 0x200000n, pages: CHUNK_PAGES });
    m.settle();
    expect(hv.hotAddResponses().at(-1)).toEqual({ pageCount: CHUNK_PAGES, result: 1 });
  });

  it('-EEXIST (the address map rules it out) disables hot-add for good: result 1 with 0 pages', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: 0x40000n, pages: CHUNK_PAGES }); // 1 GiB: boot RAM
    m.settle();
    expect(logs(m)).toContain('error: hot_add memory failed error is -17');
    expect(hv.hotAddResponses()).toEqual([{ pageCount: 0n, result: 1 }]);
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: CHUNK_PAGES });
    m.settle();
    expect(hv.hotAddResponses().at(-1)).toEqual({ pageCount: 0n, result: 1 });
    expect(hotAdded(m)).toEqual([]);
    expect(hv.state().details.hotAdd).toBe(false);
  });

  it('6.1 keeps 128 MiB chunks: with 1 GiB memory blocks every add fails with -EINVAL; 6.12 adds a block per chunk', () => {
    const old = boot('6.1', { blockSize: GiB });
    old.hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 262144n });
    old.m.settle();
    expect(logs(old.m)).toContain('error: hot_add memory failed error is -22');
    expect(old.hv.hotAddResponses()).toEqual([{ pageCount: 0n, result: 0 }]);
    const now = boot('6.12', { blockSize: GiB });
    now.hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 262144n });
    now.m.settle();
    expect(now.hv.state().details.chunkBytes).toBe(GiB);
    expect(hotAdded(now.m)).toEqual(['100000000-13fffffff : System RAM']);
  });

  it('a host that refuses the capabilities leaves the driver unbound; every request is refused', () => {
    const { m, hv } = boot('6.12', {}, { capabilitiesAccepted: false });
    expect(hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: CHUNK_PAGES })).toBe(ENODEV);
    expect(hv.state().details.state).toBe('DM_INIT_ERROR');
    expect(logs(m)).toEqual(['error: Capabilities not accepted by host']);
  });

  it('negotiates down to the protocol the host accepts and logs the host\'s maximum', () => {
    const { m } = boot('6.12', {}, { protocol: 'win8', maxDynamicMemory: 2n * GiB });
    expect(logs(m)).toEqual(['info: Using Dynamic Memory protocol version 1.0', 'info: Max. dynamic memory size: 2048 MB']);
  });

  it('with hibernation allowed, hot-add requests are ignored (0 pages, result 1)', () => {
    const { m, hv } = boot('6.12', {}, { allowHibernation: true });
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: CHUNK_PAGES });
    m.settle();
    expect(hv.hotAddResponses()).toEqual([{ pageCount: 0n, result: 1 }]);
    expect(logs(m).at(-1)).toBe('info: Ignore hot-add request!');
  });

  it('rejects malformed host messages and bad parameters with a message naming the field', () => {
    const { hv } = boot('6.12');
    expect(hv.request({ type: 'hot-add', startPfn: 1n << 40n, pages: 1n })).toBe(EINVAL);
    expect(hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 1n << 24n })).toBe(EINVAL);
    expect(hv.request({ type: 'resize', size: GiB })).toBe(EINVAL);
    const r = Machine.create({ bootIomem: bootMapIomem('q35-2g'), physBits: 40, blockSize: 128n * MiB, onlinePolicy: 'online', profile: '6.12' });
    if (!r.ok) throw new Error(r.error);
    expect(r.machine.addDevice({ kind: 'hv-balloon', protocol: 'win11' } as never)).toEqual({ ok: false, error: expect.stringContaining('protocol') });
    expect(r.machine.addDevice({ kind: 'hv-balloon', guestUsed: 'lots' })).toEqual({ ok: false, error: expect.stringContaining('guestUsed') });
  });
});

describe('hv_balloon ballooning and the never-removed rule', () => {
  it('balloon up/down moves pages only: /proc/iomem and the memory blocks stay as they are', () => {
    const { m, hv } = boot('6.12');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 8n * CHUNK_PAGES });
    m.settle();
    const iomem = m.renderIomem();
    const blocks = m.renderMemoryBlocks();
    expect(hv.request({ type: 'balloon', pages: 262144n })).toBe(0);
    m.settle();
    expect(hv.state().details.pagesBallooned).toBe(262144n);
    expect(hv.request({ type: 'unballoon', pages: 262144n + 1n })).toBe(EINVAL);
    expect(hv.request({ type: 'unballoon', pages: 100000n })).toBe(0);
    expect(hv.state().details.pagesBallooned).toBe(162144n);
    expect(hv.state()).toMatchObject({ plugged: 100000n * 4096n, requested: 100000n * 4096n });
    expect(m.renderIomem()).toBe(iomem);
    expect(m.renderMemoryBlocks()).toBe(blocks);
    // There is no host request that removes hot-added memory.
    expect(hv.request({ type: 'resize', size: 0n })).toBe(EINVAL);
    expect(hv.request({ type: 'eject' })).toBe(EINVAL);
    expect(m.renderIomem()).toBe(iomem);
  });

  it('refuses to balloon below the floor', () => {
    const { m, hv } = boot('6.12', {}, { guestUsed: 512n * MiB });
    hv.request({ type: 'balloon', pages: 524288n }); // 2 GiB: more than the guest has
    m.settle();
    expect(logs(m).at(-1)).toBe('info: Balloon request will be partially fulfilled. Not enough memory.');
    const ballooned = hv.state().details.pagesBallooned as bigint;
    const total = 0x7ffdfn - 0x100n + 0x9fn; // boot System RAM pages
    expect(ballooned).toBe(total - 131072n - computeBalloonFloor(total));
    // The guest's DM_BALLOON_RESPONSE carries only the pages it gave: the host counts those, so
    // requested drops by them and plugged and requested agree (nothing left to wait for).
    expect(hv.state()).toMatchObject({ plugged: -ballooned * 4096n, requested: -ballooned * 4096n });
  });

  it('after a partly fulfilled balloon-up, a later hot-add converges instead of timing out', async () => {
    const { Runner } = await import('../../../worker/engine/runner/runner.js');
    const r = Runner.create({
      name: 'hv-partial', seed: 1, machine: { boot: 'q35-2g', blockSize: String(128n * MiB), physBits: 40, onlinePolicy: 'online_movable' },
      devices: [{ kind: 'hv-balloon', id: 'hv0', guestUsed: String(2560n * MiB) }],
      timeline: [{ op: 'hv-hot-add', device: 'hv0', size: '1G' }, { op: 'hv-hot-add', device: 'hv0', size: '128M' }],
    } as never);
    if (!r.ok) throw new Error(r.error);
    expect(r.runner.step()!.result).toBe('ok');
    // 3 GiB in the guest, 2.5 GiB in use: the host asks for 1 GiB back and gets less.
    expect(r.runner.hostResize('hv0', 0n)).toBe(0);
    r.runner.machine.settle();
    const st = r.runner.machine.device('hv0')!.state();
    expect(BigInt(st.details.pagesBallooned as bigint)).toBeLessThan(GiB >> 12n);
    expect(st.plugged).toBe(st.requested);
    expect(r.runner.step()!.result).toBe('ok');
  });

  it.each([
    [64n * 256n, 8n * 256n + 64n * 256n / 2n],
    [256n * 256n, 40n * 256n + 64n * 256n],
    [4096n * 256n, 232n * 256n + 256n * 256n],
  ])('computeBalloonFloor(%s pages)', (pages, floor) => {
    expect(computeBalloonFloor(pages)).toBe(floor);
  });
});

describe('hv_balloon and kdump', () => {
  it('unmerged chunks (5.9) break kexec-tools 2.0.1 at 64 chunks; merged (5.10) stays one line', () => {
    const crashKernel = [{ start: 0x6f000000n, end: 0x7effffffn }];
    for (const [profile, ok] of [['5.9', false], ['5.10', true]] as const) {
      const { m, hv } = boot(profile);
      // v2.0.1 keeps the 2 boot System RAM lines only (no "Reserved" before v2.0.18): 66 − 2 − 1 split.
      hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 64n * CHUNK_PAGES });
      m.settle();
      const v = kdumpView(iomemEntries(m.tree), { release: '2.0.1', crashKernel });
      expect(v.ok && v.view.loaded).toBe(ok);
    }
    const { m, hv } = boot('5.9');
    hv.request({ type: 'hot-add', startPfn: PFN_4G, pages: 63n * CHUNK_PAGES });
    m.settle();
    const v = kdumpView(iomemEntries(m.tree), { release: '2.0.1', crashKernel });
    expect(v.ok && v.view.loaded && v.view.headroom?.blocks).toBe(0);
  });
});
