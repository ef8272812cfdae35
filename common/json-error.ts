/**
 * Where a JSON text stops being valid JSON, found by our own scanner: V8's `JSON.parse` messages
 * carry a position only sometimes (Node 20 often gives just a snippet), so the scenario loader and
 * the report loader both ask this module instead.
 */

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** Offset of the first JSON syntax error in `t` (-1 if none): an iterative scanner, safe on deep nesting. */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const stack: string[] = [];
  const ws = (): void => {
    while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
  };
  const token = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(t)) return false;
    i = re.lastIndex;
    return true;
  };
  const key = (): boolean => {
    ws();
    if (!token(STRING)) return false;
    ws();
    if (t[i] !== ':') return false;
    i++;
    return true;
  };
  let expectValue = true;
  for (;;) {
    ws();
    if (expectValue) {
      const c = t[i];
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (t[i] === (c === '{' ? '}' : ']')) {
          i++;
          expectValue = false;
          continue;
        }
        stack.push(c);
        if (c === '{' && !key()) return i;
        continue;
      }
      if (!(token(STRING) || token(NUMBER) || token(LITERAL))) return i;
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < t.length ? i : -1;
    if (t[i] === ',') {
      i++;
      if (top === '{' && !key()) return i;
      expectValue = true;
    } else if (t[i] === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
    } else return i;
  }
}

/** 1-based line and column of `offset` in `text` (an offset past the end counts as the end). */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastNl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: before.length - lastNl };
}
