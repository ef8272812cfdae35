/**
 * Input generators shared by the fuzz targets: random garbage, and near-valid documents made from a
 * valid one by a few mutations (a line changed, dropped, duplicated or swapped; the text truncated;
 * huge numbers, NUL bytes, odd unicode, very long lines), plus structural mutations of parsed JSON
 * (one field replaced, deleted or added; arrays duplicated; deep nesting).
 */
import fc from 'fast-check';

/** Awkward fragments: control characters, unicode edge cases, number edge cases, YAML and JS specials. */
export const NASTY: readonly string[] = [
  '\u0000', '\u0000\u0000\u0000', '\uFEFF', '\u2028', '\u2029', '\uD800', '\uDFFF', '\u{1F4A5}', 'é', 'ℵ', '\u202E',
  '\r', '\r\n', '\t', '\u000B', '\u000C', '\u007F', '\u0085', ' ', '  ', '',
  '-1', '0', '-0', '1e309', '-1e309', '1e-400', 'NaN', 'Infinity', '9007199254740993', '18446744073709551615',
  '18446744073709551616', '340282366920938463463374607431768211456', '0x', '0xffffffffffffffff', '0x10000000000000000',
  'ffffffffffffffffff', '00000000000000000000000000000001', '99999999999999999999999999999999999999',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '&a', '*a', '&a [*a, *a]', '<<: *a', '!!js/function', '!!binary', '!!set', '? ', '- ', '- - - -', '---', '...', '%YAML 1.1',
  '{', '}', '[', ']', '"', "'", '\\', '\\u0000', '\\ud800', ':', ': ', ',', '#', '|', '>', '@', '`',
  'x'.repeat(5000), ' '.repeat(300), '9'.repeat(400), '['.repeat(200), '{"a":'.repeat(100),
];

/** A fragment: mostly the nasty list, sometimes arbitrary unicode or printable text. */
export const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.tuple(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), fc.constantFrom(10, 16)).map(([b, radix]) => b.toString(radix)) },
);

export type TextMutation =
  | { op: 'deleteLine'; at: number }
  | { op: 'duplicateLine'; at: number }
  | { op: 'swapLines'; at: number; other: number }
  | { op: 'replaceLine'; at: number; text: string }
  | { op: 'insertLine'; at: number; text: string }
  | { op: 'repeatLine'; at: number; times: number }
  | { op: 'truncate'; at: number }
  | { op: 'replaceChar'; at: number; text: string }
  | { op: 'insertText'; at: number; text: string }
  | { op: 'replaceNumber'; at: number; text: string }
  | { op: 'indent'; at: number; by: number }
  | { op: 'crlf' }
  | { op: 'dropNewlines' };

const nat = fc.nat({ max: 1_000_000 });

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ op: fc.constant('deleteLine' as const), at: nat }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: nat }),
  fc.record({ op: fc.constant('swapLines' as const), at: nat, other: nat }),
  fc.record({ op: fc.constant('replaceLine' as const), at: nat, text: fragment }),
  fc.record({ op: fc.constant('insertLine' as const), at: nat, text: fragment }),
  fc.record({ op: fc.constant('repeatLine' as const), at: nat, times: fc.integer({ min: 2, max: 60 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: nat }),
  fc.record({ op: fc.constant('replaceChar' as const), at: nat, text: fragment }),
  fc.record({ op: fc.constant('insertText' as const), at: nat, text: fragment }),
  fc.record({ op: fc.constant('replaceNumber' as const), at: nat, text: fragment }),
  fc.record({ op: fc.constant('indent' as const), at: nat, by: fc.integer({ min: -4, max: 14 }) }),
  fc.constant({ op: 'crlf' as const }),
  fc.constant({ op: 'dropNewlines' as const }),
);

/** Applies one mutation; positions are taken modulo the text's size, so any `at` is valid. */
export function applyTextMutation(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  const li = (at: number): number => (lines.length === 0 ? 0 : at % lines.length);
  const ci = (at: number): number => (text.length === 0 ? 0 : at % (text.length + 1));
  switch (m.op) {
    case 'deleteLine':
      lines.splice(li(m.at), 1);
      return lines.join('\n');
    case 'duplicateLine': {
      const i = li(m.at);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 'swapLines': {
      const a = li(m.at);
      const b = li(m.other);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'replaceLine':
      lines[li(m.at)] = m.text;
      return lines.join('\n');
    case 'insertLine':
      lines.splice(li(m.at), 0, m.text);
      return lines.join('\n');
    case 'repeatLine': {
      const i = li(m.at);
      lines.splice(i, 0, ...Array.from({ length: m.times }, () => lines[i] ?? ''));
      return lines.join('\n');
    }
    case 'truncate':
      return text.slice(0, ci(m.at));
    case 'replaceChar': {
      const i = ci(m.at);
      return text.slice(0, i) + m.text + text.slice(i + 1);
    }
    case 'insertText': {
      const i = ci(m.at);
      return text.slice(0, i) + m.text + text.slice(i);
    }
    case 'replaceNumber': {
      const nums = [...text.matchAll(/[0-9a-fA-F]{2,}|\d+/g)];
      if (nums.length === 0) return text + m.text;
      const n = nums[m.at % nums.length]!;
      return text.slice(0, n.index) + m.text + text.slice(n.index! + n[0].length);
    }
    case 'indent': {
      const i = li(m.at);
      const line = lines[i] ?? '';
      lines[i] = m.by >= 0 ? ' '.repeat(m.by) + line : line.slice(Math.min(-m.by, line.length - line.trimStart().length));
      return lines.join('\n');
    }
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'dropNewlines':
      return text.replace(/\n/g, ' ');
  }
}

/** A valid document from `corpus` with 1–3 text mutations applied. */
export function mutatedText(corpus: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(textMutation, { minLength: 1, maxLength: 3 }))
    .map(([doc, ms]) => ms.reduce(applyTextMutation, doc));
}

/** Random garbage text: arbitrary unicode (lone surrogates and NULs included), or printable noise. */
export function garbageText(alphabet?: string): fc.Arbitrary<string> {
  const arbs: fc.Arbitrary<string>[] = [
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ maxLength: 400 }),
    fc.array(fragment, { maxLength: 30 }).map((a) => a.join('')),
  ];
  if (alphabet) arbs.push(fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 600 }));
  return fc.oneof(...arbs);
}

// ---- structural mutations of JSON values ---------------------------------------------------------

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type JsonMutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'duplicate'; at: number; times: number }
  | { op: 'nest'; at: number; depth: number };

/** Odd values to put where a field was: edge numbers, huge strings, wrong types, deep nests. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      -1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 4294967296, 2147483648,
      '', ' ', '\u0000', '128M', '0x8000000', '-128M', '+999999999999P', '1e9', '0x1' + '0'.repeat(40), 'x'.repeat(70_000), '9'.repeat(30),
      true, false, null, [], {}, [[]], { '': null }, { __proto__: null }, JSON.parse('{"__proto__":{"polluted":1}}') as unknown,
    ),
  },
  { weight: 1, arbitrary: fragment },
);

function jsonNodes(v: unknown, out: { parent: unknown; key: string | number | null; value: unknown }[], parent: unknown = null, key: string | number | null = null): void {
  out.push({ parent, key, value: v });
  if (Array.isArray(v)) v.forEach((c, i) => jsonNodes(c, out, v, i));
  else if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) jsonNodes(c, out, v, k);
}

function nestValue(v: unknown, depth: number): unknown {
  let x = v;
  for (let i = 0; i < depth; i++) x = i % 2 === 0 ? [x] : { a: x };
  return x;
}

/** Applies one structural mutation to a deep copy of `doc` (JSON data) and returns the copy. */
export function applyJsonMutation(doc: unknown, m: JsonMutation): unknown {
  const root = { value: structuredClone(doc) as unknown };
  const nodes: { parent: unknown; key: string | number | null; value: unknown }[] = [];
  jsonNodes(root.value, nodes);
  const n = nodes[m.at % nodes.length]!;
  const set = (val: unknown): void => {
    if (n.parent === null) root.value = val;
    else if (Array.isArray(n.parent)) n.parent[n.key as number] = val;
    else Object.defineProperty(n.parent, n.key as string, { value: val, enumerable: true, writable: true, configurable: true });
  };
  switch (m.op) {
    case 'replace':
      set(m.value);
      break;
    case 'delete':
      if (n.parent === null) root.value = undefined;
      else if (Array.isArray(n.parent)) n.parent.splice(n.key as number, 1);
      else delete (n.parent as Record<string, unknown>)[n.key as string];
      break;
    case 'addKey':
      if (typeof n.value === 'object' && n.value !== null && !Array.isArray(n.value)) {
        Object.defineProperty(n.value, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      } else set({ [m.key]: m.value });
      break;
    case 'duplicate':
      if (Array.isArray(n.value)) {
        const copy = [...n.value];
        for (let i = 1; i < m.times; i++) n.value.push(...structuredClone(copy));
      } else if (Array.isArray(n.parent)) {
        for (let i = 1; i < m.times; i++) n.parent.push(structuredClone(n.value));
      }
      break;
    case 'nest':
      set(nestValue(n.value, m.depth));
      break;
  }
  return root.value;
}

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: nat, value: oddValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: nat }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('addKey' as const), at: nat, key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', 'op', 'kind', 'id'), fc.string({ maxLength: 8 })), value: oddValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: nat, times: fc.integer({ min: 2, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at: nat, depth: fc.integer({ min: 1, max: 120 }) }) },
);

/** A valid JSON document from `corpus` with 1–3 structural mutations, as data. */
export function mutatedJson(corpus: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...corpus), fc.array(jsonMutation, { minLength: 1, maxLength: 3 }))
    .map(([doc, ms]) => ms.reduce(applyJsonMutation, doc));
}

/** JSON text, pretty or compact (undefined becomes an empty text). */
export function toJsonText(v: unknown, pretty: boolean): string {
  return JSON.stringify(v, null, pretty ? 2 : undefined) ?? '';
}

// ---- hostile YAML ----------------------------------------------------------------------------------

/** A "billion laughs" alias bomb with `levels` levels of `width` aliases each. */
export function yamlAliasBomb(levels: number, width: number): string {
  const out = ['a0: &a0 [lol, lol]'];
  for (let i = 1; i <= levels; i++) out.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]`);
  return `${out.join('\n')}\n`;
}

/** Flow sequences nested `depth` deep. */
export function deepFlow(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** Block mappings nested `depth` deep. */
export function deepBlock(depth: number): string {
  return Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
}

export const hostileYaml: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([l, w]) => yamlAliasBomb(l, w)),
  fc.integer({ min: 1, max: 3000 }).map(deepFlow),
  fc.integer({ min: 1, max: 400 }).map(deepBlock),
  fc.constantFrom(
    'a: &a {b: *a}\n',
    'a: !!js/function "function(){}"\n',
    'a: !!python/object:os.system ls\n',
    '<<: {name: x}\n',
    'a: &x 1\n<<: *x\n',
    '? [a, b]\n: c\n',
    '!!binary AAAA\n',
    'name: a\nname: b\n',
    '%YAML 1.1\n---\nyes: no\n',
    '--- a\n--- b\n',
    'a: *unknown\n',
    '"\\ud800": 1\n',
    'a: "\\0\\x00"\n',
    `a: ${'x'.repeat(2_000_000)}\n`,
  ),
);
