/**
 * Which module files a guest must insmod, in order, read from the kernel's own `modules.dep`
 * (written by depmod: `path.ko: dep.ko dep2.ko`, every dependency of a module listed, the ones it
 * needs most directly first) and `modules.builtin` (one path a line: modules linked into the image).
 */

/** A module's name as the kernel spells it: file name without .ko(.xz|.zst|.gz), "-" read as "_". */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.xz|\.zst|\.gz)?$/, '').replace(/-/g, '_');
}

export interface ModulesDep {
  /** Module name → its path relative to lib/modules/<kver>. */
  paths: Map<string, string>;
  /** Module path → the paths it depends on, as listed. */
  deps: Map<string, string[]>;
}

/** Parses modules.dep text. Lines without a colon are skipped. */
export function parseModulesDep(text: string): ModulesDep {
  const paths = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const row of text.split('\n')) {
    const colon = row.indexOf(':');
    if (colon <= 0) continue;
    const path = row.slice(0, colon).trim();
    deps.set(path, row.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
    if (!paths.has(moduleName(path))) paths.set(moduleName(path), path);
  }
  return { paths, deps };
}

/** Names of the modules in modules.builtin text. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.trim()).filter(Boolean).map(moduleName));
}

export type ModuleClosure = { ok: true; files: string[]; builtin: string[] } | { ok: false; missing: string };

/**
 * The module files to load for `wanted` (module names), each after everything it depends on,
 * none twice. A wanted module built into the kernel needs no file; one that is neither in
 * modules.dep nor built in is reported as missing (the first such name).
 */
export function moduleClosure(wanted: readonly string[], dep: ModulesDep, builtin: ReadonlySet<string>): ModuleClosure {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    // modprobe loads the listed dependencies last to first.
    for (const d of [...(dep.deps.get(path) ?? [])].reverse()) visit(d);
    files.push(path);
  };
  const inKernel: string[] = [];
  for (const w of wanted) {
    const name = moduleName(w);
    const path = dep.paths.get(name);
    if (path !== undefined) visit(path);
    else if (builtin.has(name)) inKernel.push(name);
    else return { ok: false, missing: name };
  }
  return { ok: true, files, builtin: inKernel };
}
