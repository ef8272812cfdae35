import { describe, expect, it } from 'vitest';
import { SMALL_SCENARIO_YAML } from '../../../bench/fuzz/corpus.js';
import { readFileSync } from 'node:fs';
import { loadScenarioText, formatIssues, pointerToPath, TEXT_LIMITS } from '../../../common/scenario-io/scenario-io.js';
import { generateValidatorSource, SCHEMA_PATH, OUTPUT_PATH } from '../../../common/scenario-io/generate-validator.mjs';

// The fuzzers start their near-valid mutations from the same small scenario.
const GOOD = SMALL_SCENARIO_YAML;

function errorsOf(text: string, opts: Parameters<typeof loadScenarioText>[1] = {}): string[] {
  const r = loadScenarioText(text, opts);
  if (r.ok) throw new Error('expected the scenario to be refused');
  return r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

describe('scenario files: parsing and normalization', () => {
  it('loads YAML with sizes as text and normalizes them to decimal byte strings', () => {
    const r = loadScenarioText(GOOD, { source: 'small.yaml' });
    if (!r.ok) throw new Error(formatIssues(r.errors));
    const s = r.scenario;
    expect(s.machine).toEqual({ boot: { map: 'q35-2g' }, blockSize: '134217728', physBits: 46, onlinePolicy: 'online_movable' });
    expect(s.devices).toEqual([{ kind: 'virtio-mem', id: 'vm0', node: 0, addr: '4294967296', regionSize: '17179869184', blockSize: '2097152', requestedSize: '0' }]);
    expect(s.timeline[0]).toEqual({ op: 'resize', device: 'vm0', size: '1073741824' });
    expect(s.timeline[1]).toEqual({ op: 'offline', blocks: ['33-39/2'] });
    expect(s.timeline[2]).toEqual({ op: 'wait', duration: 5000 });
    expect(s.timeline[3]).toEqual({ op: 'repeat', count: 3, steps: [{ op: 'resize', device: 'vm0', by: '134217728' }] });
  });

  it('loads the same scenario written as JSON, with numbers for sizes', () => {
    const json = JSON.stringify({
      name: 'small', seed: 7, profile: '6.12',
      machine: { boot: 'q35-2g', blockSize: 134217728, onlinePolicy: 'online_movable' },
      devices: [{ kind: 'virtio-mem', id: 'vm0', regionSize: '16G' }],
      timeline: [{ op: 'resize', device: 'vm0', size: 1073741824 }, { op: 'offline', blocks: [33, 35, '37-39/2'] }, { op: 'wait', duration: 5000 }, { op: 'repeat', count: 3, steps: [{ op: 'resize', device: 'vm0', by: 134217728 }] }],
    });
    const a = loadScenarioText(json, { source: 'small.json' });
    const b = loadScenarioText(GOOD);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.scenario.timeline[0]).toEqual(b.scenario.timeline[0]);
      expect(a.scenario.machine).toEqual(b.scenario.machine);
      expect(a.scenario.timeline[1]).toEqual({ op: 'offline', blocks: ['33', '35', '37-39/2'] });
    }
  });

  it('a normalized scenario is itself a valid scenario file (a fixed point)', () => {
    const r = loadScenarioText(GOOD);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const again = loadScenarioText(JSON.stringify(r.scenario), { format: 'json' });
    expect(again).toEqual(r);
  });

  it('imports a boot dump through the caller\'s file reader, and refuses without one', () => {
    const text = GOOD.replace('boot: q35-2g', 'boot: { file: dump.txt }');
    const dump = '00000000-00000fff : Reserved\n00001000-7fffffff : System RAM\n';
    const r = loadScenarioText(text, { readFile: (p) => (p === 'dump.txt' ? dump : null) });
    expect(r.ok && r.scenario.machine.boot).toEqual({ iomem: dump, source: 'dump.txt' });
    expect(errorsOf(text)).toEqual(['machine.boot.file: files can only be imported when the scenario is loaded from a file (use iomem: for inline text)']);
    expect(errorsOf(text, { readFile: () => new Error('ENOENT') })).toEqual(['machine.boot.file: cannot read "dump.txt": ENOENT']);
  });
});

describe('scenario files: every violation, with its path, and nothing started', () => {
  it('reports each schema and semantic violation of a bad file', () => {
    const bad = `
name: ""
seed: -1
profile: "4.19"
machine:
  boot: { map: q35-2g, maxmem: 1G }
  blockSize: 100M
  physBits: 60
  colour: blue
devices:
  - { kind: virtio-mem, id: vm0, regionSize: 16G }
  - { kind: virtio-mem, id: vm1, regionSize: 16G, blockSize: 12345 }
  - { kind: floppy, id: f0 }
  - { kind: virtio-mem, id: vm0, regionSize: 1G }
timeline:
  - { op: resize, device: vm9, size: 1G }
  - { op: frobnicate }
  - { op: wait, duration: soon }
  - { op: offline }
  - { op: resize, device: vm0, size: lots }
  - { op: repeat, count: 0, steps: [] }
  - { op: hv-hot-add, device: vm0, size: 128M }
`;
    const errs = errorsOf(bad, { source: 'bad.yaml' });
    expect(errs).toEqual(
      expect.arrayContaining([
        'name: must not be empty',
        'seed: must be at least 0',
        'profile: must be one of "5.9", "rfc-v1", "5.10", "6.1", "6.12", "6.18", "7.3"',
        'machine.colour: is not a known field here',
        'machine.physBits: must be at most 52',
        'devices[2].kind: unknown device kind "floppy"',
        'timeline[1].op: unknown step "frobnicate"',
        'timeline[2].duration: must be a duration such as 1500 (ms), "300ms", "5s", "2m" or "1h"',
        'timeline[3].blocks: is required',
        'timeline[4].size: must be a size: a number of bytes, or text such as "128M", "1G" or "0x8000000"',
        'timeline[5].count: must be at least 1',
        'timeline[5].steps: must have at least 1 entries',
        // Semantic checks the schema cannot make:
        'machine.blockSize: must be a power of two from 128 MiB to 2 GiB (x86-64 memory block sizes)',
        'machine.boot.maxmem: must be a multiple of 128 MiB from 2 GiB (the boot RAM) to 4 PiB',
        'devices[1].blockSize: must be a power of two ≥ 4 KiB',
        'devices[3].id: duplicates the id "vm0" of an earlier device',
        'timeline[0].device: names no device declared in devices ("vm9")',
        'timeline[6].device: "vm0" is a virtio-mem device; hv-hot-add needs a hv-balloon device',
      ]),
    );
    expect(formatIssues([{ path: 'a.b', message: 'm' }], 'bad.yaml')).toBe('bad.yaml: a.b: m');
  });

  it('names the line of a YAML or JSON syntax error', () => {
    expect(errorsOf('name: a\nmachine: [1, 2\n')[0]).toMatch(/^line \d+, column \d+: invalid YAML/);
    expect(errorsOf('{"name": "a",\n "machine": }', { format: 'json' })[0]).toMatch(/^line 2, column \d+: invalid JSON/);
    expect(errorsOf('name: a\nname: b\nmachine: {}\n')[0]).toMatch(/invalid YAML: Map keys must be unique/);
  });

  it.each([
    ['a snippet found twice', 'abcdefghijkl\nabcdefghijkl\n', 'line 1, column 1'],
    ['YAML read as JSON', 'name: a\nname: b\n', 'line 1, column 1'],
    ['a missing value', '{"name": "a",\n "machine": }', 'line 2, column 13'],
    ['a trailing comma', '{"name": "a",\n\n "x": [1, 2,]}', 'line 3, column 13'],
    ['a cut-off text', '{"name": "a",\n "machine": {', 'line 2, column 14'],
    ['text after the value', '{"name": "a"}\n}', 'line 2, column 1'],
  ])('places a JSON syntax error exactly: %s', (_n, text, place) => {
    expect(errorsOf(text, { source: 'x.json' })[0]).toMatch(new RegExp(`^${place}: invalid JSON: `));
  });

  it.each([
    ['an empty JSON key', '{"": 1}', 'x.json', '[""]: is not a known field here'],
    ['a YAML key left out (?)', '? \n: 1\n', 'x.yaml', '[""]: is not a known field here'],
    ['an empty key inside machine', 'name: t\nmachine: { boot: q35-2g, "": 3 }\ntimeline: []\n', 'x.yaml', 'machine[""]: is not a known field here'],
  ])('names the place of %s', (_n, text, source, want) => {
    expect(errorsOf(text, { source })).toContain(want);
  });

  it.each([
    ['an inline dump', { iomem: '00000000-00000fff : Reserved\nnot a line\n' }, 'machine.boot.iomem: line 2: expected "<start>-<end> : <name>"'],
    ['a dump beyond physBits', { iomem: '00000000-ffffffffffff : System RAM\n' }, 'machine.boot.iomem: line 1: '],
    ['an imported file', { file: 'dump.txt' }, 'machine.boot.iomem: line 1 of dump.txt: expected "<start>-<end> : <name>"'],
  ])('refuses a boot /proc/iomem that does not parse at load time: %s', (_n, boot, want) => {
    const text = JSON.stringify({ name: 't', machine: { boot, physBits: 40 }, timeline: [] });
    const errs = errorsOf(text, { source: 'x.json', readFile: () => 'garbage\n' });
    expect(errs).toHaveLength(1);
    expect(errs[0]!.startsWith(want)).toBe(true);
  });

  it('refuses a YAML alias bomb without expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const errs = errorsOf(lines.join('\n'));
    expect(errs[0]).toMatch(/aliases; at most 50 are accepted/);
  });

  it('refuses huge and deeply nested inputs', () => {
    expect(errorsOf('#'.repeat(TEXT_LIMITS.chars + 1))[0]).toMatch(/the limit is 1048576/);
    expect(errorsOf('['.repeat(5000) + ']'.repeat(5000), { format: 'json' })[0]).toMatch(/nests deeper than 64 levels|nested too deeply/);
    const deepYaml = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n') + ' 1';
    expect(errorsOf(deepYaml)[0]).toMatch(/nests deeper than 64 levels|nested too deeply/);
  });

  it('refuses timelines whose repeats expand beyond the step limit', () => {
    const text = GOOD.replace('count: 3', 'count: 1000000').replace('      - { op: resize, device: vm0, by: +128M }', '      - { op: repeat, count: 1000, steps: [{ op: mark }] }');
    expect(errorsOf(text)).toEqual(['timeline: expands to 1000000003 steps; the limit is 10000000']);
  });
});

describe('the generated validator', () => {
  it('is up to date with schema/scenario.schema.json (run node common/scenario-io/generate-validator.mjs)', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as unknown;
    expect(readFileSync(OUTPUT_PATH, 'utf8') === generateValidatorSource(schema)).toBe(true);
  });

  it('contains no eval, new Function or CommonJS require (the app\'s CSP forbids unsafe-eval)', () => {
    const src = readFileSync(OUTPUT_PATH, 'utf8');
    expect(src).not.toMatch(/\beval\(|new Function|\bFunction\(|\brequire\(/);
  });

  it('maps JSON pointers to dotted paths', () => {
    expect(pointerToPath('/devices/1/blockSize')).toBe('devices[1].blockSize');
    expect(pointerToPath('/timeline/0/steps/2/a~1b')).toBe('timeline[0].steps[2].a/b');
    expect(pointerToPath('')).toBe('');
  });
});

describe('device checks report every violation of one device', () => {
  it('a virtio-mem device with several problems lists each', () => {
    const text = GOOD.replace('{ kind: virtio-mem, id: vm0, regionSize: 16G }', '{ kind: virtio-mem, id: vm0, addr: 0x100001000, regionSize: 100T, requestedSize: 3M }');
    expect(errorsOf(text)).toEqual(expect.arrayContaining([
      'devices[0].addr: must be a multiple of the device block size (2 MiB)',
      'devices[0].requestedSize: must be a multiple of the device block size (2 MiB)',
      'devices[0].regionSize: the region ends beyond the 46-bit physical address space',
    ]));
  });
});
