/**
 * Valid documents the near-valid generators start from: the public /proc/iomem dumps and the
 * oracle traces' iomem sections, the oracle traces themselves, the preset scenarios (as YAML and
 * JSON) and the golden JSON report. Read from the checkout (found by walking up to package.json),
 * so the same code works from bench/fuzz (tests) and from out/bench/fuzz.js (`npm run fuzz`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as yamlStringify } from 'yaml';
import { presetInput, presetNames } from '../../worker/engine/scenario/presets.js';

let rootCache: string | null = null;

/** The checkout's root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
  if (rootCache) return rootCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('fuzz corpus: cannot find the checkout (no package.json above this file)');
    dir = up;
  }
  rootCache = dir;
  return dir;
}

function readAll(dir: string, filter: (name: string) => boolean): { name: string; text: string }[] {
  const full = path.join(repoRoot(), dir);
  if (!existsSync(full)) return [];
  const out: { name: string; text: string }[] = [];
  for (const e of readdirSync(full, { withFileTypes: true })) {
    const p = path.join(full, e.name);
    if (e.isDirectory()) out.push(...readAll(path.join(dir, e.name), filter));
    else if (filter(e.name)) out.push({ name: path.join(dir, e.name), text: readFileSync(p, 'utf8') });
  }
  return out;
}

/** The oracle golden traces (6.12 and 6.1). */
export function oracleTraces(): { name: string; text: string }[] {
  return readAll('test/fixtures/oracle', (n) => n.endsWith('.txt'));
}

/** Every `--- iomem` section of a trace. */
export function iomemSections(trace: string): string[] {
  const out: string[] = [];
  const re = /^--- iomem\n([\s\S]*?)(?=^---|^===|(?![\s\S]))/gm;
  for (const m of trace.matchAll(re)) out.push(m[1]!);
  return out;
}

let iomemCache: string[] | null = null;

/** Distinct valid /proc/iomem texts: the public dumps and the oracle's sections. */
export function iomemCorpus(): string[] {
  if (iomemCache) return iomemCache;
  const set = new Set<string>();
  for (const f of readAll('test/fixtures/dumps', (n) => n.startsWith('iomem') && n.endsWith('.txt'))) set.add(f.text);
  for (const t of oracleTraces()) for (const s of iomemSections(t.text)) set.add(s);
  iomemCache = [...set];
  if (iomemCache.length === 0) throw new Error('fuzz corpus: no /proc/iomem fixtures found under test/fixtures');
  return iomemCache;
}

/** A small hand-written scenario exercising most step kinds. */
export const SMALL_SCENARIO_YAML = `
name: small
seed: 7
profile: "6.12"
machine:
  boot: q35-2g
  blockSize: 128M
  onlinePolicy: online_movable
devices:
  - { kind: virtio-mem, id: vm0, regionSize: 16G }
timeline:
  - { op: resize, device: vm0, size: 1G }
  - { op: offline, blocks: "33-39/2" }
  - { op: wait, duration: 5s }
  - op: repeat
    count: 3
    steps:
      - { op: resize, device: vm0, by: +128M }
`;

/** The preset scenarios as written in a file (data). */
export function scenarioInputs(): Record<string, unknown>[] {
  return presetNames().map((n) => presetInput(n)!).filter((x) => x !== undefined);
}

/** Scenario texts: presets as YAML and as JSON, and the small YAML above. */
export function scenarioTexts(): { text: string; source: string }[] {
  const out: { text: string; source: string }[] = [{ text: SMALL_SCENARIO_YAML, source: 'small.yaml' }];
  for (const s of scenarioInputs()) {
    out.push({ text: yamlStringify(s), source: `${String(s['name'])}.yaml` });
    out.push({ text: JSON.stringify(s, null, 2), source: `${String(s['name'])}.json` });
  }
  return out;
}

/** The golden JSON report written by the report generator. */
export function reportCorpus(): string[] {
  const p = path.join(repoRoot(), 'test/common/report/golden/report.json');
  if (!existsSync(p)) throw new Error('fuzz corpus: test/common/report/golden/report.json is missing');
  return [readFileSync(p, 'utf8')];
}
