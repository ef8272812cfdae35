import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { iomemEntries, iomemStats, parseIomem, renderIomem, renderIomemLines } from '../../../worker/engine/kernel/iomem.js';
import { NIL } from '../../../worker/engine/kernel/resource.js';

const fixtures = path.resolve(__dirname, '../../fixtures');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Every `--- iomem` section of a golden trace, with its step header. */
function iomemSections(text: string): { step: string; body: string }[] {
  const out: { step: string; body: string }[] = [];
  let step = '';
  let body: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('=== ')) step = line;
    if (body !== null && (line.startsWith('--- ') || line.startsWith('=== '))) {
      out.push({ step, body: body.join('') });
      body = null;
    }
    if (line === '--- iomem') body = [];
    else if (body !== null) body.push(line + '\n');
  }
  if (body !== null) out.push({ step, body: body.join('') });
  return out;
}

const dumps = readdirSync(path.join(fixtures, 'dumps'))
  .filter((f) => /^iomem-.*\.txt$/.test(f))
  .map((f) => path.join(fixtures, 'dumps', f));
const traces = filesUnder(path.join(fixtures, 'oracle')).filter((f) => f.endsWith('.txt'));

describe('/proc/iomem parse -> render is byte-identical', () => {
  it('finds the fixtures', () => {
    expect(dumps.length).toBeGreaterThanOrEqual(2);
    expect(traces.length).toBeGreaterThanOrEqual(20);
  });

  it.each(dumps.map((f) => [path.basename(f), f]))('dump %s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const r = parseIomem(text, { source: file });
    if (!r.ok) throw new Error(`${r.error.line}: ${r.error.message}`);
    expect(renderIomem(r.tree)).toBe(text);
    expect(iomemStats(r.tree)).toEqual({ lines: text.split('\n').length - 1, bytes: Buffer.byteLength(text) });
    expect(r.tree.checkInvariants(r.tree.root)).toEqual([]);
  });

  it.each(traces.map((f) => [path.relative(fixtures, f), f]))('every iomem section of %s', (_name, file) => {
    const sections = iomemSections(readFileSync(file, 'utf8'));
    expect(sections.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const { step, body } of sections) {
      if (seen.has(body)) continue;
      seen.add(body);
      const r = parseIomem(body, { source: `${file} ${step}` });
      if (!r.ok) throw new Error(`${step} line ${r.error.line}: ${r.error.message}`);
      expect(renderIomem(r.tree), step).toBe(body);
      expect(iomemStats(r.tree).bytes, step).toBe(Buffer.byteLength(body));
      expect(r.tree.systemRamLines(), step).toBe(body.split('\n').filter((l) => l.includes('System RAM')).length);
    }
  });
});

describe('/proc/iomem views', () => {
  const text = readFileSync(path.join(fixtures, 'oracle/d-split-on-unplug.txt'), 'utf8');
  const body = iomemSections(text).at(-1)!.body;
  const r = parseIomem(body);
  if (!r.ok) throw new Error(r.error.message);
  const tree = r.tree;
  const lines = body.split('\n').slice(0, -1);

  it('renders any window of lines exactly as the whole file', () => {
    for (const [from, count] of [[0, 5], [3, 10], [lines.length - 2, 10], [7, 1], [0, lines.length]] as const) {
      expect(renderIomemLines(tree, from, count)).toEqual(lines.slice(from, from + count));
    }
    expect(renderIomemLines(tree, lines.length, 3)).toEqual([]);
    expect(renderIomemLines(tree, -1, 3)).toEqual([]);
  });

  it('preorderAt and preorderIndex agree with the rendered order', () => {
    const entries = [...iomemEntries(tree)];
    expect(entries.length).toBe(lines.length);
    entries.forEach((e, k) => {
      expect(tree.preorderAt(k)).toBe(e.res);
      expect(tree.preorderIndex(e.res)).toBe(k);
    });
    expect(tree.preorderAt(entries.length)).toBe(NIL);
  });

  it('shows all-zero addresses to a reader without CAP_SYS_ADMIN, names and indentation intact', () => {
    const user = renderIomem(tree, { user: true }).split('\n').slice(0, -1);
    expect(user.length).toBe(lines.length);
    user.forEach((l, i) => {
      const indent = /^ */.exec(lines[i]!)![0];
      expect(l).toBe(`${indent}00000000-00000000 : ${lines[i]!.split(' : ').slice(1).join(' : ')}`);
    });
  });
});
