/**
 * The descriptor every device kind exports (`virtioMemDriver`, `acpiDimmDriver`, …): everything the
 * rest of the lab needs to know about the kind, so nothing outside the driver's file switches on it.
 *
 * - `params`: a plain-data table of the declaration fields beyond kind/id/node. Scenario
 *   normalization, the worker's payload check, the Devices panel, compare lanes and the fuzzers all
 *   read it; `readParams` below is the one parser of those fields.
 * - `toSpec`: the declaration (normalized scenario device, or a UI payload read through the same
 *   table) → the engine's spec; `create`: the guest-side `Device` from that spec.
 * - `host`: what the host (QEMU, Hyper-V, Xen) does when asked from outside the guest: a resize
 *   from the UI, the kind's timeline operations, its host faults and how they are cleared.
 *
 * Plain TypeScript with no import outside the engine; the scenario layer sits above and imports this.
 */
import type { Device, DeviceContext, DeviceFactoryResult, DeviceSpecBase } from './device.js';
import type { Faults } from '../machine/faults.js';
import { GiB, KiB, MiB, parseSize, U64_MAX } from '../sizes.js';

/** How a parameter is written: a byte size, a boolean, an integer, or one of a few words. */
export type ParamType = 'size' | 'bool' | 'int' | 'enum';

/** A scalar a declaration field holds once normalized (sizes as decimal strings of bytes). */
export type ParamValue = string | number | boolean;

/** One declaration field of a device kind (plain data: editors, the UI and the fuzzers read it). */
export interface DeviceParam {
  readonly key: string;
  readonly type: ParamType;
  /** `enum`: the accepted words. */
  readonly values?: readonly string[];
  /** A scenario file must give it. */
  readonly required?: boolean;
  /** What a scenario file gets when it leaves the field out (as written: "4G", false, …). */
  readonly default?: ParamValue;
  /** Short name and one-sentence explanation, for editors (the JSON schema) and UI tooltips. */
  readonly title: string;
  readonly description: string;
  /** `int`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** `size`: 0 is refused. */
  readonly positive?: boolean;
  /** `size`: a check of the value alone (a power of two, an alignment): a message, or null when fine. */
  readonly check?: (bytes: bigint) => string | null;
  /** The Devices panel offers the field when attaching a device ('required': it must be filled in). */
  readonly ui?: 'required' | 'optional';
  /** Which input of the panel's Attach row shows it (its test id is `device-<slot>`); default the key. */
  readonly slot?: string;
  /** Placeholder text for the panel's input (a required field starts filled with it). */
  readonly placeholder?: string;
  /** A compare lane may override it for every device of the kind (`virtio-mem.blockSize=4M`). */
  readonly lane?: boolean;
}

/** The fields every declaration has, whatever its kind. */
export interface DeclBase<K extends string = string> {
  kind: K;
  id: string;
  node: number;
}

/** What a host operation reports: "ok", "timeout: …", "rejected: …" (the runner's step result). */
export interface HostOutcome {
  result: string;
  /** What a soak step drew, for its label. */
  drawn?: string;
}

/** The fields of a timeline step a driver's host operations read (sizes as decimal strings). */
export interface HostStep {
  readonly op: string;
  readonly size?: string;
  readonly by?: string;
  readonly start?: string;
  readonly target?: string;
}

/**
 * A timeline step as its device's driver checks it (`checkStep`): the fields every op of the
 * step's kind may carry, already parsed (sizes and deltas as decimal strings of bytes).
 */
export interface StepFields extends HostStep {
  readonly min?: string;
  readonly max?: string;
  readonly granularity?: string;
}

/** A problem a driver finds in a declaration or a step: the field it is about (none: the whole thing). */
export interface DeclIssue {
  key?: string;
  message: string;
}

/** A `fault-host` step as the driver sees it. */
export interface HostFaultStep {
  readonly response: string;
  readonly count?: number;
  readonly size?: string;
}

/** What the runner lends a driver's host side for one device. */
export interface HostEnv<D, Dev extends Device, H> {
  readonly id: string;
  /** The attached device (undefined for a declared DIMM not plugged yet, or one ejected). */
  readonly device: Dev | undefined;
  /** The device's scenario declaration (undefined for a device attached from the UI). */
  readonly decl: D | undefined;
  /** The kind's per-device host state (`host.init`), kept by the runner between requests. */
  readonly state: H;
  readonly faults: Faults;
  /** Settles the machine until the devices have what the host asked for, or the step times out. */
  converge(): HostOutcome;
  /** Creates the device from its declaration (a DIMM's `dimm-add`): null, or the machine's error. */
  attach(): string | null;
}

/** The host half of a device kind. */
export interface DriverHost<D, Dev extends Device, H> {
  /** Fresh per-device host state. */
  init(decl: D | undefined): H;
  /**
   * The UI's resize control: the device should now provide `size` bytes, counted as its
   * `requested` figure. 0 or -errno (the host refused).
   */
  resize(env: HostEnv<D, Dev, H>, size: bigint): number;
  /** Timeline operations played by this kind's host, by op name (`resize`, `hv-hot-add`, …). */
  readonly ops: Readonly<Record<string, (env: HostEnv<D, Dev, H>, step: HostStep) => HostOutcome>>;
  /** A soak step's drawn size, played as this kind's host would (absent: the kind cannot soak). */
  soak?(env: HostEnv<D, Dev, H>, size: bigint): HostOutcome;
  /** Host faults the kind supports (`fault-host` responses). */
  readonly faults: readonly string[];
  /** Starts a host fault: 0, or -errno when the device refuses it. */
  fault?(env: HostEnv<D, Dev, H>, step: HostFaultStep): number;
  /** Puts the host back to normal after `fault`. */
  clearFault?(env: HostEnv<D, Dev, H>): void;
}

/**
 * One device kind: its declaration table, the declaration → spec mapping, the guest-side factory and
 * the host side. `D` is the normalized declaration, `S` the engine spec, `Dev` the device, `H` the
 * per-device host state.
 */
export interface DeviceDriver<K extends string = string, D extends DeclBase<K> = DeclBase<K>, S extends DeviceSpecBase<K> = DeviceSpecBase<K>, Dev extends Device = Device, H = unknown> {
  readonly kind: K;
  /** One line for menus and editors. */
  readonly title: string;
  readonly params: readonly DeviceParam[];
  /**
   * Checks between fields of one declaration, after each field parsed (alignments, the region
   * inside the physical address space). Issues name the field (`key`) or the device (no key).
   */
  checkDecl?(decl: D, physBits: number): DeclIssue[];
  /**
   * Checks a timeline step that names a device of this kind against its declaration, after the
   * step's own fields parsed (a resize within the region, a hot-add the host protocol can carry).
   * Issues name the step's field (`key`) or the step (no key). Absent: every parsed step is fine.
   */
  checkStep?(decl: D, step: StepFields): DeclIssue[];
  /** The engine spec for a declaration; fields a UI payload left out stay to the driver's defaults. */
  toSpec(decl: D | PartialDecl<D>): S;
  /** Creates (and probes) the guest-side device. */
  create(spec: S, ctx: DeviceContext): DeviceFactoryResult;
  /** Whether the device starts plugged when a scenario boots (false: a later step adds it). */
  present?(decl: D): boolean;
  readonly host: DriverHost<D, Dev, H>;
}

/** A declaration read from a UI payload: the table's defaults are not applied, the driver's are. */
export type PartialDecl<D> = { [K in keyof D]?: D[K] } & { kind: string };

/** A driver of any kind (what a registry holds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds drivers of unrelated spec/state types; each is checked where it is written
export type AnyDriver = DeviceDriver<string, any, any, any, any>;

// ------------------------------------------------------------------------------ reading fields

/** How a size may be written, for messages. */
export const SIZE_HINT = 'a size such as 128M, 1G, 0x8000000 or a number of bytes';

/** A byte count: a non-negative safe integer, or text accepted by `parseSize`, at most 2^64-1. */
export function sizeValue(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  if (typeof v !== 'string' || v.length > 40) return null;
  const n = parseSize(v);
  return n !== null && n <= U64_MAX ? n : null;
}

/** Why `v` is not a usable size (or its value): the messages scenario files and payloads both get. */
export function readSize(v: unknown, opts: { positive?: boolean } = {}): { ok: true; value: bigint } | { ok: false; message: string } {
  const n = sizeValue(v);
  if (n === null) {
    if (typeof v === 'number' && v > Number.MAX_SAFE_INTEGER) {
      return { ok: false, message: 'is too large to be exact as a number: write it as a string, e.g. "0x10000000000000" or "4P"' };
    }
    return { ok: false, message: `must be ${SIZE_HINT}` };
  }
  if (opts.positive && n === 0n) return { ok: false, message: 'must be greater than 0' };
  return { ok: true, value: n };
}

/** One field's value, normalized (a size becomes a decimal string of bytes), or why it is wrong. */
export function readParam(p: DeviceParam, v: unknown): { ok: true; value: ParamValue } | { ok: false; message: string } {
  switch (p.type) {
    case 'size': {
      const r = readSize(v, { positive: p.positive });
      if (!r.ok) return r;
      const bad = p.check?.(r.value) ?? null;
      return bad ? { ok: false, message: bad } : { ok: true, value: String(r.value) };
    }
    case 'bool':
      return typeof v === 'boolean' ? { ok: true, value: v } : { ok: false, message: 'must be true or false' };
    case 'int': {
      const min = p.min ?? 0;
      const max = p.max ?? Number.MAX_SAFE_INTEGER;
      return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? { ok: true, value: v } : { ok: false, message: `must be an integer from ${min} to ${max}` };
    }
    case 'enum': {
      const values = p.values ?? [];
      return typeof v === 'string' && values.includes(v) ? { ok: true, value: v } : { ok: false, message: `must be one of ${values.join(', ')}` };
    }
  }
}

/** A field issue: the key it is about and the message. */
export interface ParamIssue {
  key: string;
  message: string;
}

/**
 * Reads a driver's fields from `raw` in table order. `withDefaults` (scenario files): required
 * fields must be present and defaults fill the rest. Without it (UI payloads): `ui: 'required'`
 * fields must be present and absent ones stay absent, so the driver picks (a free address, …).
 */
export function readParams(params: readonly DeviceParam[], raw: Readonly<Record<string, unknown>>, withDefaults: boolean): { values: Record<string, ParamValue>; issues: ParamIssue[] } {
  const values: Record<string, ParamValue> = {};
  const issues: ParamIssue[] = [];
  for (const p of params) {
    let v = raw[p.key];
    if (v === undefined) {
      const required = withDefaults ? p.required : p.ui === 'required';
      if (required) {
        issues.push({ key: p.key, message: p.type === 'size' ? `is required (${SIZE_HINT})` : 'is required' });
        continue;
      }
      if (!withDefaults || p.default === undefined) continue;
      v = p.default;
    }
    const r = readParam(p, v);
    if (r.ok) values[p.key] = r.value;
    else issues.push({ key: p.key, message: r.message });
  }
  return { values, issues };
}

/** A decimal size field of a declaration as bytes (undefined stays undefined). */
export function bytesOf(v: string | undefined): bigint | undefined {
  return v === undefined ? undefined : BigInt(v);
}

/** The id/node part of a spec from a declaration (only what it gives). */
export function specBase<K extends string>(d: PartialDecl<DeclBase<K>>): DeviceSpecBase<K> {
  return { kind: d.kind as K, ...(d.id !== undefined ? { id: d.id } : {}), ...(d.node !== undefined ? { node: d.node } : {}) };
}

/** "2 MiB", "4 GiB", or "4097 bytes": how messages about declarations print a size. */
export function fmtBytes(n: bigint): string {
  for (const [u, m] of [['G', GiB], ['M', MiB], ['K', KiB]] as const) if (n >= m && n % m === 0n) return `${n / m} ${u}iB`;
  return `${n} bytes`;
}

/** The result a host operation gives for a device id that is not attached. */
export function noDevice(id: string, kind?: string): HostOutcome {
  return { result: kind ? `rejected: no ${kind} device ${id}` : `rejected: no device ${id}` };
}
