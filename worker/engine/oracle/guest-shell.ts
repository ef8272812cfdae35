/**
 * The small subset of busybox sh the oracle's `guest` steps use: `echo WORD > PATH` statements
 * joined by `;` or `&&`, and `for v in LIST; do …; done` with `$v` / `${v}` expanded. Anything else
 * is refused, so a replayer can say "unsupported guest command" instead of guessing.
 */

type Token = { t: 'word'; v: string } | { t: ';' } | { t: '&&' } | { t: '>' };

export type GuestStmt =
  | { kind: 'echo'; value: string; path: string }
  | { kind: 'for'; name: string; items: string[]; body: GuestList };

/** Statements and the operator that joins each to the previous one. */
export type GuestList = { op: ';' | '&&'; stmt: GuestStmt }[];

export type GuestParse = { ok: true; list: GuestList } | { ok: false; message: string };

function tokenize(src: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    if (c === ';') {
      out.push({ t: ';' });
      i++;
      continue;
    }
    if (c === '&' && src[i + 1] === '&') {
      out.push({ t: '&&' });
      i += 2;
      continue;
    }
    if (c === '>') {
      if (src[i + 1] === '>') return 'append redirection ">>" is not supported';
      out.push({ t: '>' });
      i++;
      continue;
    }
    if ('|&<`()'.includes(c)) return `"${c}" is not supported`;
    let w = '';
    while (i < src.length && !' \t\n;&>|<`()'.includes(src[i]!)) {
      const ch = src[i]!;
      if (ch === '"' || ch === "'") {
        const end = src.indexOf(ch, i + 1);
        if (end < 0) return 'unterminated quote';
        w += src.slice(i + 1, end);
        i = end + 1;
        continue;
      }
      w += ch;
      i++;
    }
    out.push({ t: 'word', v: w });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private word(): string | null {
    const t = this.toks[this.i];
    if (t?.t !== 'word') return null;
    this.i++;
    return t.v;
  }

  list(stop: string | null): GuestList | string {
    const out: GuestList = [];
    let op: ';' | '&&' = ';';
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (t.t === 'word' && stop !== null && t.v === stop) break;
      const stmt = this.stmt();
      if (typeof stmt === 'string') return stmt;
      out.push({ op, stmt });
      const sep = this.peek();
      if (!sep) break;
      if (sep.t === ';' || sep.t === '&&') {
        op = sep.t;
        this.i++;
        continue;
      }
      if (sep.t === 'word' && stop !== null && sep.v === stop) break;
      return `unexpected "${sep.t === 'word' ? sep.v : sep.t}"`;
    }
    return out;
  }

  private stmt(): GuestStmt | string {
    const w = this.word();
    if (w === null) return 'expected a command';
    if (w === 'echo') {
      const value = this.word();
      if (value === null) return 'echo needs a value';
      if (this.peek()?.t !== '>') return 'echo must be redirected to a sysfs file (echo WORD > PATH)';
      this.i++;
      const path = this.word();
      if (path === null) return 'missing path after ">"';
      return { kind: 'echo', value, path };
    }
    if (w === 'for') {
      const name = this.word();
      if (name === null || !/^[A-Za-z_]\w*$/.test(name)) return 'for needs a variable name';
      if (this.word() !== 'in') return 'expected "in" after the for variable';
      const items: string[] = [];
      for (let t = this.peek(); t?.t === 'word'; t = this.peek()) {
        items.push(t.v);
        this.i++;
      }
      if (this.peek()?.t !== ';') return 'expected ";" before "do"';
      this.i++;
      if (this.word() !== 'do') return 'expected "do"';
      const body = this.list('done');
      if (typeof body === 'string') return body;
      if (this.word() !== 'done') return 'expected "done"';
      return { kind: 'for', name, items, body };
    }
    return `command "${w}" is not supported`;
  }
}

/** Parses a guest command line. */
export function parseGuestCommand(src: string): GuestParse {
  const toks = tokenize(src);
  if (typeof toks === 'string') return { ok: false, message: toks };
  if (toks.length === 0) return { ok: false, message: 'empty command' };
  const p = new Parser(toks);
  const list = p.list(null);
  if (typeof list === 'string') return { ok: false, message: list };
  return { ok: true, list };
}

function expand(word: string, vars: Map<string, string>): string {
  return word.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (_, a: string | undefined, b: string | undefined) => vars.get((a ?? b)!) ?? '');
}

/**
 * Runs a parsed command: `write(path, value)` returns 0 or -errno; a failed echo has exit status
 * 1. `;` runs the next statement anyway, `&&` only after success; a loop's status is its last
 * command's. Returns the exit status of the whole line.
 */
export function runGuestCommand(list: GuestList, write: (path: string, value: string) => number, vars = new Map<string, string>()): number {
  let rc = 0;
  for (const { op, stmt } of list) {
    if (op === '&&' && rc !== 0) continue;
    if (stmt.kind === 'echo') {
      rc = write(expand(stmt.path, vars), expand(stmt.value, vars)) === 0 ? 0 : 1;
    } else {
      let last = 0;
      for (const item of stmt.items) {
        const inner = new Map(vars);
        inner.set(stmt.name, expand(item, vars));
        last = runGuestCommand(stmt.body, write, inner);
      }
      rc = last;
    }
  }
  return rc;
}
