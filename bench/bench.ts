/**
 * `npm run bench`: wall time and memory of the engine against a plain linked-list resource tree.
 * Sections run in order and print readable lines; the last line of the output is always the
 * machine-readable summary `bench: ratio-vs-list@131072=<x> bytes-per-resource@524288=<y>`.
 * To add a section, append an entry to `sections` (it may record figures in `summary`).
 */
import { performance } from 'node:perf_hooks';
import { IORESOURCE_SYSTEM_RAM, NIL, ResourceTree } from '../worker/engine/kernel/resource.js';
import { iomemStats, renderIomemLines } from '../worker/engine/kernel/iomem.js';
import { ListTree, SYSRAM, MEM } from './list-resource.js';
import { benchCompare } from './compare.js';

const PHYS_BITS = 52n;
const ROOT_END = (1n << PHYS_BITS) - 1n;
const BLOCK = 128n << 20n;
const BASE = 1n << 32n; // hot-added memory starts at 4 GiB, above the boot map
// BENCH_LIST_SIZE / BENCH_BIG_SIZE shrink the run for a quick look; the summary line names the sizes used.
const LIST_SIZE = Number(process.env['BENCH_LIST_SIZE'] ?? 131_072);
const BIG_SIZE = Number(process.env['BENCH_BIG_SIZE'] ?? 524_288);

interface PhaseFigures {
  ms: number;
  ops: number;
  visits: number;
}
interface RunFigures {
  build: PhaseFigures;
  merge: PhaseFigures;
  split: PhaseFigures;
  lines: number;
  totalMs: number;
}

const summary: { ratio?: number; bytesPerResource?: number; engine131k?: RunFigures; list131k?: RunFigures } = {};

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function fmtPhase(label: string, p: PhaseFigures): string {
  const perOp = (p.ms * 1e6) / Math.max(1, p.ops);
  return `  ${label.padEnd(6)} ${String(p.ops).padStart(7)} ops  ${p.ms.toFixed(1).padStart(9)} ms  ${perOp.toFixed(0).padStart(8)} ns/op  ${String(p.visits).padStart(14)} kernel visits`;
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Adds n separate 128 MiB "System RAM" resources at the top level (strategy none, as add_memory would). */
function engineBuild(tree: ResourceTree, n: number, handles: Int32Array): PhaseFigures {
  const name = tree.internName('System RAM');
  const v0 = tree.totalVisits;
  const ms = timed(() => {
    for (let i = 0; i < n; i++) {
      const r = tree.requestRegion(tree.root, BASE + BigInt(i) * BLOCK, BLOCK, name, IORESOURCE_SYSTEM_RAM);
      if (r.res === NIL) throw new Error(`engine: block ${i} could not be added`);
      handles[i] = r.res;
    }
  });
  return { ms, ops: n, visits: tree.totalVisits - v0 };
}

/** merge_system_ram_resource on every added resource, lowest first: they fold into one. */
function engineMerge(tree: ResourceTree, n: number, handles: Int32Array): PhaseFigures {
  const v0 = tree.totalVisits;
  const ms = timed(() => {
    for (let i = 0; i < n; i++) tree.mergeSystemRamResource(handles[i]!);
  });
  return { ms, ops: n, visits: tree.totalVisits - v0 };
}

/** release_mem_region_adjustable of every other block: each one splits the merged resource. */
function engineSplit(tree: ResourceTree, n: number): PhaseFigures {
  const v0 = tree.totalVisits;
  let ops = 0;
  const ms = timed(() => {
    for (let i = 1; i < n; i += 2) {
      tree.releaseMemRegionAdjustable(BASE + BigInt(i) * BLOCK, BLOCK);
      ops++;
    }
  });
  return { ms, ops, visits: tree.totalVisits - v0 };
}

function runEngine(n: number): RunFigures {
  const tree = new ResourceTree({ rootEnd: ROOT_END });
  const handles = new Int32Array(n);
  const build = engineBuild(tree, n, handles);
  const merge = engineMerge(tree, n, handles);
  const split = engineSplit(tree, n);
  return { build, merge, split, lines: iomemStats(tree).lines, totalMs: build.ms + merge.ms + split.ms };
}

function runList(n: number): RunFigures {
  const tree = new ListTree(ROOT_END);
  const nodes: NonNullable<ReturnType<ListTree['requestRegion']>>[] = [];
  let v0 = 0;
  const phase = (ops: number, fn: () => void): PhaseFigures => {
    v0 = tree.visits;
    const ms = timed(fn);
    return { ms, ops, visits: tree.visits - v0 };
  };
  const build = phase(n, () => {
    for (let i = 0; i < n; i++) {
      const r = tree.requestRegion(tree.root, BASE + BigInt(i) * BLOCK, BLOCK, 'System RAM', SYSRAM | MEM);
      if (r === null) throw new Error(`list: block ${i} could not be added`);
      nodes.push(r);
    }
  });
  const merge = phase(n, () => {
    for (let i = 0; i < n; i++) tree.mergeSystemRam(nodes[i]!);
  });
  const split = phase(n >> 1, () => {
    for (let i = 1; i < n; i += 2) tree.releaseAdjustable(BASE + BigInt(i) * BLOCK, BLOCK);
  });
  return { build, merge, split, lines: tree.lines(), totalMs: build.ms + merge.ms + split.ms };
}

function printRun(title: string, r: RunFigures): void {
  console.log(`${title}: ${r.totalMs.toFixed(1)} ms in all, ${r.lines} /proc/iomem lines at the end`);
  console.log(fmtPhase('add', r.build));
  console.log(fmtPhase('merge', r.merge));
  console.log(fmtPhase('split', r.split));
}

interface Section {
  name: string;
  run: () => void | Promise<void>;
}

const sections: Section[] = [
  {
    name: `engine, ${LIST_SIZE} blocks`,
    run: () => {
      runEngine(4096); // warm-up (JIT), not reported
      // Best of three: the machine is shared, and a short run is easily disturbed.
      const runs = [runEngine(LIST_SIZE), runEngine(LIST_SIZE), runEngine(LIST_SIZE)];
      console.log(`  three runs: ${runs.map((r) => r.totalMs.toFixed(1)).join(', ')} ms; reporting the fastest`);
      summary.engine131k = runs.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
      printRun(`engine @${LIST_SIZE}`, summary.engine131k);
    },
  },
  {
    name: `plain linked list, ${LIST_SIZE} blocks`,
    run: () => {
      const list = runList(LIST_SIZE);
      summary.list131k = list;
      printRun(`list   @${LIST_SIZE}`, list);
      const e = summary.engine131k!;
      const same = e.lines === list.lines && e.build.visits === list.build.visits && e.merge.visits === list.merge.visits && e.split.visits === list.split.visits;
      console.log(`  engine's reported kernel visits ${same ? 'equal' : 'DIFFER FROM'} the list's counted visits; final lines ${e.lines} vs ${list.lines}`);
      summary.ratio = list.totalMs / e.totalMs;
      console.log(`  ratio list/engine wall time: ${summary.ratio.toFixed(1)}`);
    },
  },
  {
    name: `engine, ${BIG_SIZE} blocks, memory`,
    run: () => {
      const handles = new Int32Array(BIG_SIZE);
      gc();
      const before = heapNow();
      const tree = new ResourceTree({ rootEnd: ROOT_END });
      const build = engineBuild(tree, BIG_SIZE, handles);
      gc();
      const after = heapNow();
      summary.bytesPerResource = (after - before) / BIG_SIZE;
      const windows = 1000;
      const wms = timed(() => {
        for (let k = 0; k < windows; k++) renderIomemLines(tree, Math.floor((k * BIG_SIZE) / windows), 50);
      });
      console.log(`  /proc/iomem: ${iomemStats(tree).lines} lines, ${iomemStats(tree).bytes} bytes; a 50-line window anywhere: ${((wms * 1000) / windows).toFixed(1)} us`);
      const merge = engineMerge(tree, BIG_SIZE, handles);
      const split = engineSplit(tree, BIG_SIZE);
      printRun(`engine @${BIG_SIZE}`, { build, merge, split, lines: iomemStats(tree).lines, totalMs: build.ms + merge.ms + split.ms });
      console.log(
        `  heap: ${((after - before) / 1048576).toFixed(1)} MiB for ${BIG_SIZE} resources = ${summary.bytesPerResource.toFixed(1)} bytes/resource` +
          ` (storage arrays ${tree.heapBytes()} bytes for capacity of ${Math.round(tree.heapBytes() / 57)} nodes)`,
      );
    },
  },
  {
    name: 'memhp compare: parallel lane workers',
    run: async () => {
      await benchCompare();
    },
  },
];

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.log('note: run with --expose-gc for exact heap figures');
  console.log(`memhp-lab bench: ${PHYS_BITS}-bit physical addresses, 128 MiB blocks, Node ${process.version}`);
  for (const s of sections) {
    console.log(`-- ${s.name}`);
    try {
      await s.run();
    } catch (e) {
      console.log(`  section failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const ratio = summary.ratio === undefined ? 'n/a' : summary.ratio.toFixed(1);
  const bytes = summary.bytesPerResource === undefined ? 'n/a' : summary.bytesPerResource.toFixed(1);
  console.log(`bench: ratio-vs-list@${LIST_SIZE}=${ratio} bytes-per-resource@${BIG_SIZE}=${bytes}`);
}

await main();
process.exit(0);
