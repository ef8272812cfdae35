/**
 * Turns scenario data as written (sizes like "128M", block lists like "33-95/2", durations like
 * "5s") into the normalized `Scenario`, and checks what a JSON Schema cannot: powers of two,
 * alignment, references between steps and devices, and the limits on expanded work. Every
 * violation is reported with its path (`devices[1].blockSize`) and a human message; nothing is
 * returned unless there are none. Pure: used by the loader after schema validation, by the
 * presets, and by `Runner.create` for scenarios built in code.
 */
import { isPowerOfTwo, KiB, MiB, GiB } from '../sizes.js';
import { parseIomem } from '../kernel/iomem.js';
import { BUILTIN_DRIVERS, type DriverRegistry } from '../drivers/index.js';
import { fmtBytes as fmt, readParams, readSize, sizeValue, SIZE_HINT } from '../drivers/driver.js';
import {
  ADD_MEMORY_ERRNOS, BOOT_MAP_NAMES, ONLINE_POLICIES, ONLINE_TYPES, PROFILE_NAMES, SCENARIO_LIMITS, STEP_OPS, STRATEGY_NAMES,
} from './scenario.js';
import type {
  BlockRange, BlocksText, BootSpec, DeviceDecl, KdumpSpec, MachineSpec, Scenario, SizeText, Step,
} from './scenario.js';

export interface ScenarioIssue {
  /** Where: `timeline[3].steps[0].size`; empty for the document itself. */
  path: string;
  message: string;
}
export type NormalizeResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioIssue[] };

type Obj = Record<string, unknown>;

/** Collects issues while walking the input. */
class Ctx {
  readonly errors: ScenarioIssue[] = [];
  entries = 0;
  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

export { sizeValue };

function size(ctx: Ctx, o: Obj, key: string, path: string, opts: { required?: boolean; min?: bigint; positive?: boolean } = {}): bigint | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined) return opts.required ? ctx.fail(p, `is required (${SIZE_HINT})`) : undefined;
  const r = readSize(v, { positive: opts.positive });
  if (!r.ok) return ctx.fail(p, r.message);
  const n = r.value;
  if (opts.min !== undefined && n < opts.min) return ctx.fail(p, `must be at least ${fmt(opts.min)}`);
  return n;
}

/** A signed delta: "+128M", "-1G", or an integer number of bytes. */
function delta(ctx: Ctx, o: Obj, key: string, path: string): bigint | undefined {
  const v = o[key];
  const p = at(path, key);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return ctx.fail(p, 'must be an integer number of bytes or a signed size such as "+128M" / "-1G"');
    return BigInt(v);
  }
  if (typeof v === 'string') {
    const m = /^\s*([+-]?)\s*(.+)$/.exec(v);
    const n = m ? sizeValue(m[2]) : null;
    if (m && n !== null) return m[1] === '-' ? -n : n;
  }
  return ctx.fail(p, 'must be a signed size such as "+128M" or "-1G"');
}

function int(ctx: Ctx, o: Obj, key: string, path: string, min: number, max: number, dflt?: number): number | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined) return dflt === undefined ? ctx.fail(p, 'is required') : dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return ctx.fail(p, `must be an integer from ${min} to ${max}`);
  return v;
}

function oneOf<T extends string>(ctx: Ctx, o: Obj, key: string, path: string, values: readonly T[], dflt?: T): T | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined) return dflt === undefined ? ctx.fail(p, `is required (one of ${values.join(', ')})`) : dflt;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) return ctx.fail(p, `must be one of ${values.join(', ')}`);
  return v as T;
}

function text(ctx: Ctx, o: Obj, key: string, path: string, max: number, required: boolean): string | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined) return required ? ctx.fail(p, 'is required') : undefined;
  if (typeof v !== 'string') return ctx.fail(p, 'must be a string');
  if (required && v.trim() === '') return ctx.fail(p, 'must not be empty');
  if (v.length > max) return ctx.fail(p, `must be at most ${max} characters`);
  return v;
}

/** Milliseconds from 1500, "1500ms", "5s", "2m", "1h". */
export function durationMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return null;
  const mul = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * mul;
}

/** Block lists: 33, "33", "33-40", "33-95/2" (every 2nd), or an array of those. */
export function parseBlocks(v: unknown): BlockRange[] | string {
  const items = Array.isArray(v) ? v : [v];
  if (items.length === 0) return 'must name at least one block';
  if (items.length > 10_000) return 'may list at most 10000 entries';
  const out: BlockRange[] = [];
  for (const item of items) {
    if (typeof item === 'number') {
      if (!Number.isSafeInteger(item) || item < 0) return 'block numbers must be integers ≥ 0';
      out.push({ first: item, last: item, stride: 1 });
      continue;
    }
    const m = typeof item === 'string' ? /^\s*(\d{1,15})\s*(?:-\s*(\d{1,15})\s*(?:\/\s*(\d{1,15})\s*)?)?$/.exec(item) : null;
    if (!m) return 'must be a block number, a range "first-last", a strided range "first-last/stride", or a list of those';
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const stride = m[3] === undefined ? 1 : Number(m[3]);
    if (last < first) return `range ${item} ends before it starts`;
    if (stride < 1) return 'a stride must be at least 1';
    out.push({ first, last, stride });
  }
  return out;
}

/** How many blocks a list names. */
export function blockCount(ranges: readonly BlockRange[]): number {
  let n = 0;
  for (const r of ranges) n += Math.floor((r.last - r.first) / r.stride) + 1;
  return n;
}

function blocks(ctx: Ctx, o: Obj, path: string): BlocksText | undefined {
  const p = at(path, 'blocks');
  if (o.blocks === undefined) return ctx.fail(p, 'is required');
  const r = parseBlocks(o.blocks);
  if (typeof r === 'string') return ctx.fail(p, r);
  if (blockCount(r) > SCENARIO_LIMITS.blocksPerStep) return ctx.fail(p, `names more than ${SCENARIO_LIMITS.blocksPerStep} blocks`);
  return r.map(blocksText);
}

/** "33", "33-40" or "33-95/2". */
export function blocksText(r: BlockRange): string {
  if (r.first === r.last) return String(r.first);
  return r.stride === 1 ? `${r.first}-${r.last}` : `${r.first}-${r.last}/${r.stride}`;
}

function machine(ctx: Ctx, v: unknown): MachineSpec | undefined {
  if (!isObj(v)) return ctx.fail('machine', 'is required: an object with boot, blockSize, physBits, onlinePolicy');
  const blockSize = size(ctx, v, 'blockSize', 'machine') ?? (v.blockSize === undefined ? 128n * MiB : undefined);
  if (blockSize !== undefined && (!isPowerOfTwo(blockSize) || blockSize < 128n * MiB || blockSize > 2n * GiB)) {
    ctx.fail('machine.blockSize', 'must be a power of two from 128 MiB to 2 GiB (x86-64 memory block sizes)');
  }
  const physBits = int(ctx, v, 'physBits', 'machine', 32, 52, 46);
  const onlinePolicy = oneOf(ctx, v, 'onlinePolicy', 'machine', ONLINE_POLICIES, 'online');
  const boot = bootSpec(ctx, v.boot);
  const bootBlocks = text(ctx, v, 'bootBlocks', 'machine', SCENARIO_LIMITS.iomemChars, false);
  const kdump = kdumpSpec(ctx, v.kdump);
  if (boot && 'iomem' in boot && physBits !== undefined) checkBootIomem(ctx, boot.iomem, boot.source, physBits);
  if (!boot || blockSize === undefined || physBits === undefined || !onlinePolicy) return undefined;
  const m: MachineSpec = { boot, blockSize: String(blockSize), physBits, onlinePolicy };
  if (bootBlocks !== undefined) m.bootBlocks = bootBlocks;
  if (kdump) m.kdump = kdump;
  return m;
}

/**
 * A boot /proc/iomem must parse (the machine would refuse it at start): its errors are reported here
 * with the others, under machine.boot.iomem, naming the dump's line (and file, when imported).
 */
function checkBootIomem(ctx: Ctx, iomem: string, source: string | undefined, physBits: number): void {
  const r = parseIomem(iomem, { rootEnd: (1n << BigInt(physBits)) - 1n });
  if (r.ok) return;
  const where = r.error.line > 0 ? `line ${r.error.line}` : 'the dump';
  ctx.fail('machine.boot.iomem', `${source ? `${where} of ${source}` : where}: ${r.error.message}`);
}

function bootSpec(ctx: Ctx, v: unknown): BootSpec | undefined {
  const p = 'machine.boot';
  if (typeof v === 'string') v = { map: v };
  if (!isObj(v)) return ctx.fail(p, `is required: a built-in map (${BOOT_MAP_NAMES.join(', ')}), { iomem: <text> } or { file: <path> }`);
  const kinds = ['map', 'iomem', 'file'].filter((k) => v[k] !== undefined);
  if (kinds.length !== 1) return ctx.fail(p, 'must give exactly one of map, iomem or file');
  if (v.file !== undefined) return ctx.fail(at(p, 'file'), 'can only be read when the scenario is loaded from a file (use iomem: for inline text)');
  if (v.iomem !== undefined) {
    const iomem = text(ctx, v, 'iomem', p, SCENARIO_LIMITS.iomemChars, true);
    const source = text(ctx, v, 'source', p, 1024, false);
    if (iomem === undefined) return undefined;
    return source === undefined ? { iomem } : { iomem, source };
  }
  const map = oneOf(ctx, v, 'map', p, BOOT_MAP_NAMES);
  const maxmem = size(ctx, v, 'maxmem', p);
  const slots = v.slots === undefined ? undefined : int(ctx, v, 'slots', p, 0, 256);
  if (maxmem !== undefined && (maxmem < 2n * GiB || maxmem % (128n * MiB) !== 0n || maxmem > 1n << 52n)) {
    ctx.fail(at(p, 'maxmem'), 'must be a multiple of 128 MiB from 2 GiB (the boot RAM) to 4 PiB');
  }
  if (!map) return undefined;
  const b: BootSpec = { map };
  if (maxmem !== undefined) b.maxmem = String(maxmem);
  if (slots !== undefined) b.slots = slots;
  return b;
}

function kdumpSpec(ctx: Ctx, v: unknown): KdumpSpec | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) return ctx.fail('machine.kdump', 'must be an object { kexecTools, loadPath }');
  const k: KdumpSpec = {};
  if (v.kexecTools !== undefined) {
    if (typeof v.kexecTools !== 'string' || !/^\d+\.\d+\.\d+$/.test(v.kexecTools)) ctx.fail('machine.kdump.kexecTools', 'must be a kexec-tools release such as "2.0.20"');
    else k.kexecTools = v.kexecTools;
  }
  const lp = v.loadPath === undefined ? undefined : oneOf(ctx, v, 'loadPath', 'machine.kdump', ['kexec_load', 'kexec_file_load'] as const);
  if (lp) k.loadPath = lp;
  const ck = size(ctx, v, 'crashKernel', 'machine.kdump');
  if (ck !== undefined) {
    if (ck % MiB !== 0n || ck > 2n * GiB) ctx.fail('machine.kdump.crashKernel', 'must be a multiple of 1 MiB, at most 2 GiB (0 = no reservation)');
    else k.crashKernel = String(ck);
  }
  return k;
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** One device declaration: kind, id and node here, the rest from its driver's `params` table. */
function device(ctx: Ctx, v: unknown, i: number, physBits: number, drivers: DriverRegistry): DeviceDecl | undefined {
  const p = at('devices', i);
  if (!isObj(v)) return ctx.fail(p, 'must be an object with kind and id');
  const kind = oneOf(ctx, v, 'kind', p, drivers.kinds);
  const id = typeof v.id === 'string' && ID.test(v.id) ? v.id : ctx.fail(at(p, 'id'), 'must be 1–64 letters, digits or "._-", starting with a letter, digit or "_"');
  const node = int(ctx, v, 'node', p, 0, 63, 0);
  if (!kind || !id || node === undefined) return undefined;
  const driver = drivers.get(kind)!;
  const known = new Set(['kind', 'id', 'node', ...driver.params.map((f) => f.key)]);
  const unknown = Object.keys(v).filter((k) => !known.has(k));
  for (const k of unknown) ctx.fail(at(p, k), `is not a ${kind} field (${driver.params.map((f) => f.key).join(', ') || 'it has none beyond kind, id and node'})`);
  const { values, issues } = readParams(driver.params, v, true);
  for (const issue of issues) ctx.fail(at(p, issue.key), issue.message);
  if (issues.length > 0 || unknown.length > 0) return undefined;
  const decl = { kind, id, node, ...values } as DeviceDecl;
  const cross = driver.checkDecl?.(decl, physBits) ?? [];
  for (const c of cross) ctx.fail(c.key ? at(p, c.key) : p, c.message);
  return cross.length > 0 ? undefined : decl;
}

interface StepEnv {
  devices: Map<string, DeviceDecl>;
  drivers: DriverRegistry;
  /** Ids declared in the file, valid or not (a reference to an invalid one is not reported twice). */
  declared: Set<string>;
  blockSize: bigint | undefined;
}

/** Timeline ops that name a device: every op a driver's host plays, and soak and fault-host. */
function namesDevice(op: Step['op'], env: StepEnv): boolean {
  return env.drivers.kindsFor(op).length > 0;
}

function deviceRef(ctx: Ctx, o: Obj, path: string, op: Step['op'], env: StepEnv): DeviceDecl | undefined {
  const kinds = env.drivers.kindsFor(op);
  const p = at(path, 'device');
  if (typeof o.device !== 'string') return ctx.fail(p, `is required: the id of a ${kinds.join(' or ')} device`);
  const d = env.devices.get(o.device);
  if (!d && env.declared.has(o.device)) return undefined;
  if (!d) return ctx.fail(p, `names no device declared in devices (${JSON.stringify(o.device)})`);
  if (!kinds.includes(d.kind)) return ctx.fail(p, `"${o.device}" is a ${d.kind} device; ${op} needs a ${kinds.join(' or ')} device`);
  return d;
}

function exactlyOne(ctx: Ctx, o: Obj, path: string, a: string, b: string): boolean {
  if ((o[a] === undefined) === (o[b] === undefined)) return !!ctx.fail(path, `must give exactly one of ${a} or ${b}`);
  return true;
}

/** Normalizes one step; `depth` counts enclosing repeats. Returns the step and its expanded count. */
function step(ctx: Ctx, v: unknown, path: string, env: StepEnv, depth: number): { step: Step; count: number } | undefined {
  if (++ctx.entries > SCENARIO_LIMITS.stepEntries) {
    if (ctx.entries === SCENARIO_LIMITS.stepEntries + 1) ctx.fail(path, `the timeline has more than ${SCENARIO_LIMITS.stepEntries} step entries`);
    return undefined;
  }
  if (!isObj(v)) return ctx.fail(path, 'must be an object with an op');
  const op = oneOf(ctx, v, 'op', path, STEP_OPS);
  if (!op) return undefined;
  const label = text(ctx, v, 'label', path, SCENARIO_LIMITS.labelChars, false);
  const withLabel = <S extends Step>(s: S, count = 1): { step: Step; count: number } => {
    if (label !== undefined) s.label = label;
    return { step: s, count };
  };
  const named = namesDevice(op, env);
  const dev = named ? deviceRef(ctx, v, path, op, env) : undefined;
  if (named && !dev) return undefined;
  const id = dev?.id ?? '';
  switch (op) {
    case 'resize': {
      if (!exactlyOne(ctx, v, path, 'size', 'by')) return undefined;
      if (v.size !== undefined) {
        const n = size(ctx, v, 'size', path);
        return n === undefined ? undefined : hostStep(ctx, path, env, dev!, { op, device: id, size: String(n) }, label);
      }
      const d = delta(ctx, v, 'by', path);
      return d === undefined ? undefined : hostStep(ctx, path, env, dev!, { op, device: id, by: String(d) }, label);
    }
    case 'hv-hot-add': {
      const n = size(ctx, v, 'size', path, { required: true, positive: true });
      const start = size(ctx, v, 'start', path);
      if (n === undefined || (v.start !== undefined && start === undefined)) return undefined;
      const s: Step = { op, device: id, size: String(n) };
      if (start !== undefined) s.start = String(start);
      return hostStep(ctx, path, env, dev!, s, label);
    }
    case 'xen-target': {
      if (!exactlyOne(ctx, v, path, 'target', 'by')) return undefined;
      if (v.target !== undefined) {
        const n = size(ctx, v, 'target', path, { positive: true });
        return n === undefined ? undefined : hostStep(ctx, path, env, dev!, { op, device: id, target: String(n) }, label);
      }
      const d = delta(ctx, v, 'by', path);
      return d === undefined ? undefined : hostStep(ctx, path, env, dev!, { op, device: id, by: String(d) }, label);
    }
    case 'dimm-add':
    case 'dimm-remove':
      return hostStep(ctx, path, env, dev!, { op, device: id }, label);
    case 'online':
    case 'offline': {
      const b = blocks(ctx, v, path);
      if (op === 'offline') return b ? withLabel({ op, blocks: b }) : undefined;
      const type = oneOf(ctx, v, 'type', path, ONLINE_TYPES, 'online');
      return b && type ? withLabel({ op, blocks: b, type }) : undefined;
    }
    case 'fault-unmovable': {
      const b = blocks(ctx, v, path);
      const n = size(ctx, v, 'size', path, { positive: true });
      if (!b || (v.size !== undefined && n === undefined)) return undefined;
      if (n !== undefined && (n % (4n * KiB) !== 0n || (env.blockSize !== undefined && n > env.blockSize))) {
        return ctx.fail(at(path, 'size'), 'must be a multiple of 4 KiB and at most one memory block');
      }
      const s: Step = { op, blocks: b };
      if (n !== undefined) s.size = String(n);
      return withLabel(s);
    }
    case 'fault-add-memory': {
      const count = int(ctx, v, 'count', path, 1, SCENARIO_LIMITS.repeatCount, 1);
      const error = oneOf(ctx, v, 'error', path, ADD_MEMORY_ERRNOS, 'ENOMEM');
      return count !== undefined && error ? withLabel({ op, count, error }) : undefined;
    }
    case 'fault-host': {
      const response = oneOf(ctx, v, 'response', path, [...new Set(env.drivers.drivers.flatMap((d) => d.host.faults))]);
      if (!response) return undefined;
      const supported = env.drivers.get(dev!.kind)!.host.faults;
      if (!supported.includes(response)) {
        return ctx.fail(at(path, 'response'), `the host fault "${response}" does not apply to ${dev!.kind} device "${id}" (a ${dev!.kind} host can: ${supported.join(', ')})`);
      }
      const s: Step = { op, device: id, response };
      if (response === 'populate-fail') {
        const count = int(ctx, v, 'count', path, 1, SCENARIO_LIMITS.repeatCount, 1);
        if (count === undefined) return undefined;
        s.count = count;
      } else if (v.count !== undefined) return ctx.fail(at(path, 'count'), 'only a populate-fail fault takes a count');
      if (response === 'maxmem') {
        const n = size(ctx, v, 'size', path, { required: true });
        if (n === undefined) return undefined;
        s.size = String(n);
      } else if (v.size !== undefined) return ctx.fail(at(path, 'size'), 'only a maxmem fault takes a size');
      return hostStep(ctx, path, env, dev!, s, label);
    }
    case 'fault-keep-offline': {
      const b = blocks(ctx, v, path);
      return b ? withLabel({ op, blocks: b }) : undefined;
    }
    case 'fault-clear': {
      const fault = oneOf(ctx, v, 'fault', path, ['all', 'unmovable', 'add-memory', 'host', 'keep-offline'] as const, 'all');
      return fault ? withLabel({ op, fault }) : undefined;
    }
    case 'wait': {
      const ms = durationMs(v.duration);
      if (ms === null || ms > SCENARIO_LIMITS.waitMs) return ctx.fail(at(path, 'duration'), 'must be a duration such as 1500, "300ms", "5s", "2m" or "1h", at most 30 days');
      return withLabel({ op, duration: ms });
    }
    case 'mark':
      return withLabel({ op });
    case 'repeat': {
      const count = int(ctx, v, 'count', path, 1, SCENARIO_LIMITS.repeatCount);
      if (depth >= SCENARIO_LIMITS.repeatDepth) return ctx.fail(path, `repeat nests deeper than ${SCENARIO_LIMITS.repeatDepth} levels`);
      const inner = steps(ctx, v.steps, at(path, 'steps'), env, depth + 1);
      if (count === undefined || !inner) return undefined;
      if (inner.steps.length === 0) return ctx.fail(at(path, 'steps'), 'must hold at least one step');
      return withLabel({ op, count, steps: inner.steps }, count * inner.count);
    }
    case 'soak': {
      const count = int(ctx, v, 'count', path, 1, SCENARIO_LIMITS.repeatCount);
      const min = size(ctx, v, 'min', path, { required: true });
      const max = size(ctx, v, 'max', path, { required: true });
      const gran = size(ctx, v, 'granularity', path, { positive: true }) ?? (v.granularity === undefined ? 128n * MiB : undefined);
      if (count === undefined || min === undefined || max === undefined || gran === undefined) return undefined;
      if (min > max) return ctx.fail(at(path, 'max'), 'must not be below min');
      if (min % gran !== 0n || max % gran !== 0n) return ctx.fail(path, 'min and max must be multiples of granularity');
      return hostStep(ctx, path, env, dev!, { op, device: id, count, min: String(min), max: String(max), granularity: String(gran) }, label, count);
    }
  }
}

/**
 * A parsed step that names a device, checked by that device's driver (`checkStep`), so the fields
 * a kind cares about (its region, its host protocol's limits) are checked in its own file.
 */
function hostStep(ctx: Ctx, path: string, env: StepEnv, dev: DeviceDecl, s: Step, label: string | undefined, count = 1): { step: Step; count: number } | undefined {
  const issues = env.drivers.get(dev.kind)!.checkStep?.(dev, s) ?? [];
  for (const issue of issues) ctx.fail(issue.key ? at(path, issue.key) : path, issue.message);
  if (issues.length > 0) return undefined;
  if (label !== undefined) s.label = label;
  return { step: s, count };
}

function steps(ctx: Ctx, v: unknown, path: string, env: StepEnv, depth: number): { steps: Step[]; count: number } | undefined {
  if (!Array.isArray(v)) return ctx.fail(path, 'must be a list of steps');
  const out: Step[] = [];
  let count = 0;
  let ok = true;
  v.forEach((item, i) => {
    const r = step(ctx, item, at(path, i), env, depth);
    if (!r) ok = false;
    else {
      out.push(r.step);
      count += r.count;
    }
  });
  return ok ? { steps: out, count } : undefined;
}

/** Validates and normalizes a scenario; the result lists every issue found. */
export function normalizeScenario(input: unknown, drivers: DriverRegistry = BUILTIN_DRIVERS): NormalizeResult {
  const ctx = new Ctx();
  if (!isObj(input)) return { ok: false, errors: [{ path: '', message: 'a scenario must be a mapping (an object) at the top level' }] };
  const name = text(ctx, input, 'name', '', SCENARIO_LIMITS.nameChars, true);
  const description = text(ctx, input, 'description', '', SCENARIO_LIMITS.descriptionChars, false);
  const seed = int(ctx, input, 'seed', '', 0, 0xffffffff, 0);
  const profile = input.profile === undefined ? undefined : oneOf(ctx, input, 'profile', '', PROFILE_NAMES);
  const strategy = input.strategy === undefined ? undefined : oneOf(ctx, input, 'strategy', '', STRATEGY_NAMES);
  let stepTimeoutMs: number | undefined;
  if (input.stepTimeout !== undefined) {
    const ms = durationMs(input.stepTimeout);
    if (ms === null || ms > SCENARIO_LIMITS.waitMs) ctx.fail('stepTimeout', 'must be a duration such as "60s" or 60000, at most 30 days');
    else stepTimeoutMs = ms;
  }
  let stepIntervalMs: number | undefined;
  if (input.stepInterval !== undefined) {
    const ms = durationMs(input.stepInterval);
    if (ms === null || ms > SCENARIO_LIMITS.waitMs) ctx.fail('stepInterval', 'must be a duration such as "1s" or 1000, at most 30 days');
    else stepIntervalMs = ms;
  }
  const m = machine(ctx, input.machine);
  const physBits = m?.physBits ?? 46;
  const devices: DeviceDecl[] = [];
  const byId = new Map<string, DeviceDecl>();
  if (input.devices !== undefined && !Array.isArray(input.devices)) ctx.fail('devices', 'must be a list of devices');
  const rawDevices = Array.isArray(input.devices) ? input.devices : [];
  if (rawDevices.length > SCENARIO_LIMITS.devices) ctx.fail('devices', `must hold at most ${SCENARIO_LIMITS.devices} devices`);
  const seenIds = new Set<string>();
  rawDevices.slice(0, SCENARIO_LIMITS.devices).forEach((raw, i) => {
    const rawId = isObj(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    const dup = rawId !== undefined && seenIds.has(rawId);
    if (rawId !== undefined) seenIds.add(rawId);
    if (dup) ctx.fail(at(at('devices', i), 'id'), `duplicates the id "${rawId}" of an earlier device`);
    const d = device(ctx, raw, i, physBits, drivers);
    if (!d || dup) return;
    byId.set(d.id, d);
    devices.push(d);
  });
  const env: StepEnv = { devices: byId, drivers, declared: seenIds, blockSize: m ? BigInt(m.blockSize) : undefined };
  const tl = input.timeline === undefined ? ctx.fail('timeline', 'is required: a list of steps') : steps(ctx, input.timeline, 'timeline', env, 0);
  if (tl && tl.count > SCENARIO_LIMITS.expandedSteps) {
    ctx.fail('timeline', `expands to ${tl.count} steps; the limit is ${SCENARIO_LIMITS.expandedSteps}`);
  }
  if (ctx.errors.length > 0 || name === undefined || seed === undefined || !m || !tl) {
    return { ok: false, errors: ctx.errors.length ? ctx.errors : [{ path: '', message: 'the scenario is incomplete' }] };
  }
  const scenario: Scenario = { name, seed, machine: m, devices, timeline: tl.steps };
  if (description !== undefined) scenario.description = description;
  if (profile) scenario.profile = profile;
  if (strategy) scenario.strategy = strategy;
  if (stepTimeoutMs !== undefined) scenario.stepTimeout = stepTimeoutMs;
  if (stepIntervalMs !== undefined) scenario.stepInterval = stepIntervalMs;
  return { ok: true, scenario };
}

/** Total runner steps of a (normalized) timeline, repeats and soaks expanded. */
export function expandedStepCount(timeline: readonly Step[]): number {
  let n = 0;
  for (const s of timeline) n += s.op === 'repeat' ? s.count * expandedStepCount(s.steps) : s.op === 'soak' ? s.count : 1;
  return n;
}

/** "devices[1].blockSize: must be a power of two ≥ 4 KiB" */
export function formatIssue(e: ScenarioIssue): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

export type { SizeText };
