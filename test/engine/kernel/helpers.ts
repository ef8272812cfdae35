import { parseIomem, renderIomem, iomemEntries } from '../../../worker/engine/kernel/iomem.js';
import type { IomemParseOptions } from '../../../worker/engine/kernel/iomem.js';
import { NIL, ResourceTree } from '../../../worker/engine/kernel/resource.js';
import type { Res } from '../../../worker/engine/kernel/resource.js';

/** A tree from /proc/iomem text (leading/trailing blank lines and common indentation trimmed). */
export function mk(text: string, opts?: IomemParseOptions): ResourceTree {
  const r = parseIomem(dedent(text), opts);
  if (!r.ok) throw new Error(`line ${r.error.line}: ${r.error.message}`);
  const errs = r.tree.checkInvariants(r.tree.root);
  if (errs.length) throw new Error(errs.join('\n'));
  return r.tree;
}

export function dedent(text: string): string {
  const lines = text.split('\n');
  while (lines.length && lines[0]!.trim() === '') lines.shift();
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop();
  const pad = Math.min(...lines.map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(pad)).join('\n') + (lines.length ? '\n' : '');
}

/** /proc/iomem text, checking the tree's invariants first. */
export function dump(tree: ResourceTree): string {
  const errs = tree.checkInvariants(tree.root);
  if (errs.length) throw new Error(errs.join('\n'));
  return renderIomem(tree);
}

/** Like dump, with each node's flags (and desc when set) appended: "… : System RAM [81000200]". */
export function dumpFlags(tree: ResourceTree): string {
  const out: string[] = [];
  for (const e of iomemEntries(tree)) {
    const d = tree.desc(e.res);
    out.push(`${'  '.repeat(Math.min(e.depth, 5))}${e.start.toString(16)}-${e.end.toString(16)} : ${e.name ?? '<BAD>'} [${tree.flags(e.res).toString(16)}${d ? ` desc ${d}` : ''}]`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

/** The node whose line shows this range (first in pre-order). */
export function at(tree: ResourceTree, start: bigint, end?: bigint): Res {
  for (const e of iomemEntries(tree)) if (e.start === start && (end === undefined || e.end === end)) return e.res;
  return NIL;
}
