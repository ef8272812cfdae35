import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { presetNames, getPreset, presetInput, presetInfo } from '../../../worker/engine/scenario/presets.js';
import { bootMapIomem, q35Layout } from '../../../worker/engine/machine/boot-maps.js';
import { validate } from '../../../common/scenario-io/scenario.validate.generated.js';
import { loadScenarioText, formatIssues } from '../../../common/scenario-io/scenario-io.js';
import { expandedStepCount } from '../../../worker/engine/scenario/normalize.js';
import { GiB, TiB } from '../../../worker/engine/sizes.js';

const fixtures = path.resolve(__dirname, '../../fixtures/oracle');

/** The `--- iomem` section of step 0 of a golden trace. */
function step0Iomem(file: string): string {
  const text = readFileSync(path.join(fixtures, file), 'utf8');
  const step0 = text.slice(text.indexOf('=== step 0'), text.indexOf('=== step 1'));
  const body = step0.slice(step0.indexOf('--- iomem\n') + '--- iomem\n'.length);
  return body.slice(0, body.indexOf('--- '));
}

describe('presets', () => {
  it('ships the presets the app and the issue name', () => {
    expect(presetNames()).toEqual(expect.arrayContaining([
      'seed-100g-virtio-mem', 'seed-100g-hv-balloon', 'seed-100g-xen-balloon', 'kdump-limit', 'unplug-fragmentation', 'scale-64t',
    ]));
    expect(presetInfo().every((p) => p.description.length > 20)).toBe(true);
    expect(getPreset('no-such-preset')).toBeUndefined();
  });

  it.each(presetNames())('%s is a valid scenario file (JSON Schema + semantic checks)', (name) => {
    const input = presetInput(name)!;
    const schemaOk = validate(input);
    expect(validate.errors ?? []).toEqual([]);
    expect(schemaOk).toBe(true);
    const r = loadScenarioText(JSON.stringify(input), { format: 'json', source: `${name}.json` });
    if (!r.ok) throw new Error(formatIssues(r.errors));
    expect(r.scenario).toEqual(getPreset(name));
    expect(r.scenario.name).toBe(name);
  });

  it('the seed presets add 100 GiB in 800 steps of 128 MiB from 4 GiB on a q35 2 GiB guest', () => {
    for (const name of ['seed-100g-virtio-mem', 'seed-100g-hv-balloon', 'seed-100g-xen-balloon']) {
      const s = getPreset(name)!;
      expect(s.machine.blockSize).toBe(String(128n << 20n));
      expect(s.machine.boot).toMatchObject({ map: 'q35-2g-6.18' });
      expect(s.profile).toBe('6.18');
      expect(expandedStepCount(s.timeline)).toBe(800);
    }
    expect(getPreset('scale-64t')!.machine.physBits).toBe(52);
  });

  it('presets/*.yaml are the same scenarios as the built-in presets, one file each', () => {
    const dir = path.resolve(__dirname, '../../../presets');
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual(presetNames().map((n) => `${n}.yaml`).sort());
    for (const name of presetNames()) {
      const file = path.join(dir, `${name}.yaml`);
      const r = loadScenarioText(readFileSync(file, 'utf8'), { source: file });
      if (!r.ok) throw new Error(formatIssues(r.errors, file));
      expect(r.scenario).toEqual(getPreset(name));
    }
  });

  it('getPreset returns a fresh copy each time', () => {
    const a = getPreset('scale-64t')!;
    a.name = 'changed';
    expect(getPreset('scale-64t')!.name).toBe('scale-64t');
  });
});

describe('built-in boot maps', () => {
  it('q35-2g is step 0 of the 6.12 oracle traces, without the virtio0 line the driver adds', () => {
    const recorded = step0Iomem('a-grow-shrink-4g.txt');
    expect(recorded).toContain('100000000-10ffffffff : virtio0\n');
    expect(bootMapIomem('q35-2g')).toBe(recorded.replace('100000000-10ffffffff : virtio0\n', ''));
  });

  it('q35-2g-6.1 is step 0 of the 6.1 oracle traces, without virtio0', () => {
    const recorded = step0Iomem('6.1.0-56-cloud-amd64/a-grow-shrink-4g.txt');
    expect(bootMapIomem('q35-2g-6.1')).toBe(recorded.replace('100000000-10ffffffff : virtio0\n', ''));
  });

  it('a larger maxmem moves the 64-bit PCI window above the device-memory area, as QEMU does', () => {
    // maxmem 66G, 4 slots: 64G + 4×1G of device memory from 4G → window at 72G (recorded).
    expect(q35Layout()).toEqual({ deviceBase: 4n * GiB, deviceSize: 68n * GiB, pciStart: 72n * GiB, pciEnd: 104n * GiB - 1n });
    // maxmem 102G: 100G + 4G from 4G → window at 108G, so 4G..104G is free for the seed's 100 GiB.
    expect(bootMapIomem('q35-2g', { maxmem: 102n * GiB })).toContain('1b00000000-22ffffffff : PCI Bus 0000:00\nfd00000000-ffffffffff : Reserved\n');
    // 64T would cross AMD's HyperTransport hole: the area moves to 1 TiB.
    const big = q35Layout(64n * TiB + 2n * GiB, 4);
    expect(big.deviceBase).toBe(TiB);
    expect(bootMapIomem('q35-2g', { maxmem: 64n * TiB + 2n * GiB })).toMatch(/fd00000000-ffffffffff : Reserved\n4101\w+-\w+ : PCI Bus 0000:00\n$/);
  });
});

describe('the published JSON Schema', () => {
  it('gives every property a title or description, so editors can complete and explain it', () => {
    const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../../schema/scenario.schema.json'), 'utf8')) as Record<string, unknown>;
    const defs = schema.definitions as Record<string, Record<string, unknown>>;
    const described = (s: Record<string, unknown>): boolean => {
      if (typeof s.description === 'string' || typeof s.title === 'string') return true;
      const ref = typeof s.$ref === 'string' ? /^#\/definitions\/(\w+)$/.exec(s.$ref) : null;
      return !!ref && described(defs[ref[1]!]!);
    };
    const missing: string[] = [];
    const walk = (s: unknown, at: string): void => {
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') {
        for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
          if (k !== 'op' && k !== 'kind' && !described(v)) missing.push(`${at}.${k}`);
        }
      }
      for (const [k, v] of Object.entries(o)) if (k !== 'properties' || typeof v === 'object') walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
});
