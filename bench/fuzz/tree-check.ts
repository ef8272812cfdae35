/**
 * Structural invariants of a `ResourceTree`, checked through its public API only (so the check does
 * not trust the index it is checking): every child list sorted, non-overlapping and inside its
 * parent; parent links; child counts, sibling positions, depths, /proc/iomem line numbers both ways
 * (`preorderIndex`, `preorderAt`), the node count and the incrementally kept text size.
 */
import { NIL, ResourceTree } from '../../worker/engine/kernel/resource.js';
import type { Res } from '../../worker/engine/kernel/resource.js';
import { renderIomem } from '../../worker/engine/kernel/iomem.js';

const encoder = new TextEncoder();

export interface TreeCheckOptions {
  /** Also compare the kept /proc/iomem byte count with the rendered text (O(n) string work). */
  textBytes?: boolean;
  /** Also check preorderAt/preorderIndex for every line (O(n log n)). */
  ranks?: boolean;
}

/** The problems found (at most 10), empty when the tree is consistent. */
export function checkTree(tree: ResourceTree, opts: TreeCheckOptions = { textBytes: true, ranks: true }): string[] {
  const errs: string[] = [];
  const add = (m: string): void => {
    if (errs.length < 10) errs.push(m);
  };
  const root = tree.root;
  let line = 0;
  let lineBytes = 0;
  // Iterative pre-order: [node, depth].
  const stack: [Res, number][] = [];
  const pushChildren = (p: Res, depth: number): void => {
    const kids: Res[] = [];
    let prev: Res = NIL;
    for (let c = tree.child(p); c !== NIL; c = tree.sibling(c)) {
      if (kids.length > 10_000_000) {
        add(`child list of ${p} does not end`);
        break;
      }
      if (tree.parent(c) !== p) add(`node ${c} is in ${p}'s list but its parent is ${tree.parent(c)}`);
      if (tree.end(c) < tree.start(c)) add(`node ${c} ends (${hex(tree.end(c))}) before it starts (${hex(tree.start(c))})`);
      if (tree.start(c) < tree.start(p) || tree.end(c) > tree.end(p)) add(`node ${c} [${hex(tree.start(c))}-${hex(tree.end(c))}] sticks out of its parent ${p}`);
      if (prev !== NIL && tree.end(prev) >= tree.start(c)) add(`siblings ${prev} and ${c} overlap or are out of order`);
      if (tree.indexOf(c) !== kids.length) add(`indexOf(${c}) is ${tree.indexOf(c)}, its position is ${kids.length}`);
      if (prev !== NIL && tree.prevSibling(c) !== prev) add(`prevSibling(${c}) is ${tree.prevSibling(c)}, expected ${prev}`);
      kids.push(c);
      prev = c;
    }
    if (tree.childCount(p) !== kids.length) add(`childCount(${p}) is ${tree.childCount(p)}, the list has ${kids.length}`);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1]);
  };
  pushChildren(root, -1);
  if (tree.topLevelCount() !== tree.childCount(root)) add(`topLevelCount ${tree.topLevelCount()} != childCount(root) ${tree.childCount(root)}`);
  while (stack.length > 0 && errs.length < 10) {
    const [r, d] = stack.pop()!;
    if (tree.depth(r) !== d) add(`depth(${r}) is ${tree.depth(r)}, expected ${d}`);
    if (opts.ranks !== false) {
      if (tree.preorderIndex(r) !== line) add(`preorderIndex(${r}) is ${tree.preorderIndex(r)}, expected line ${line}`);
      if (tree.preorderAt(line) !== r) add(`preorderAt(${line}) is ${tree.preorderAt(line)}, expected ${r}`);
    }
    lineBytes += tree.lineBytes(r, d);
    line++;
    pushChildren(r, d);
  }
  if (tree.count() !== line) add(`count() is ${tree.count()}, the tree has ${line} nodes`);
  if (opts.ranks !== false && tree.preorderAt(line) !== NIL) add(`preorderAt(${line}) past the end is not NIL`);
  if (tree.iomemTextBytes() !== lineBytes) add(`iomemTextBytes() is ${tree.iomemTextBytes()}, the lines add up to ${lineBytes}`);
  if (opts.textBytes !== false) {
    const bytes = encoder.encode(renderIomem(tree)).length;
    if (bytes !== tree.iomemTextBytes()) add(`iomemTextBytes() is ${tree.iomemTextBytes()}, the rendered text has ${bytes} bytes`);
  }
  return errs;
}

function hex(x: bigint): string {
  return x.toString(16);
}
