import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, COMMAND_NAMES, HOST_COMMAND_NAMES, channelOf, commandMessage, isLabError, validateArgs, validateHostArgs } from '../../worker/protocol.js';

describe('protocol: argument validation', () => {
  const good: [string, unknown][] = [
    ['hello', {}],
    ['loadPreset', { name: 'seed-100g-virtio-mem' }],
    ['loadPreset', { name: 'x', strategy: 'none', profile: '5.9', seed: 7 }],
    ['loadScenario', { text: 'name: a', format: 'yaml', source: 'a.yaml' }],
    ['importIomem', { text: '00000000-00000fff : Reserved\n', blockSize: '128M' }],
    ['step', {}],
    ['step', { count: 10 }],
    ['setSpeed', { stepsPerSecond: 0 }],
    ['addDevice', { spec: { kind: 'virtio-mem', regionSize: '64G', id: 'vm0' } }],
    ['addDevice', { spec: { kind: 'acpi-dimm', size: '1G' } }],
    ['addDevice', { spec: { kind: 'hv-balloon', maxDynamicMemory: '16G', guestUsed: '512M', protocol: 'win8', capabilitiesAccepted: true, allowHibernation: false } }],
    ['addDevice', { spec: { kind: 'xen-balloon', maxmem: '8G', memoryHotplug: false, guestUsed: '1G' } }],
    ['resizeDevice', { device: 'vm0', size: '4G' }],
    ['resizeDevice', { device: 'vm0', size: '0x100000000' }],
    ['guestAction', { block: 33, state: 'offline' }],
    ['iomemWindow', { from: 0, count: 100, maxDepth: 1, user: true }],
    ['iomemSearch', { query: 'virtio', from: 0 }],
    ['exportData', { format: 'csv' }],
  ];
  it.each(good)('accepts %s %j', (cmd, args) => {
    expect(validateArgs(cmd, args)).toBeNull();
  });

  const bad: [string, unknown, string][] = [
    ['nope', {}, 'UNKNOWN_COMMAND'],
    ['hello', null, 'args: expected an object'],
    ['hello', { extra: 1 }, 'args.extra: unknown field'],
    ['loadPreset', {}, 'args.name: expected a name'],
    ['loadPreset', { name: 'x', strategy: 'merge-all' }, 'args.strategy: expected one of'],
    ['loadPreset', { name: 'x', seed: -1 }, 'args.seed: expected an integer'],
    ['loadPreset', { name: '../../etc/passwd\u0000' }, 'args.name'],
    ['step', { count: 0 }, 'args.count'],
    ['step', { count: 1.5 }, 'args.count'],
    ['setSpeed', { stepsPerSecond: Number.NaN }, 'args.stepsPerSecond'],
    // The payload's shape only; each kind's parameters are checked by the worker (test/worker/engine-binding.spec.ts).
    ['addDevice', { spec: { kind: 'Floppy Disk' } }, 'args.spec.kind: expected a device kind name'],
    ['addDevice', { spec: { kind: 'acpi-dimm', size: { bytes: 1 } } }, 'args.spec.size: expected a boolean, a finite number or a text'],
    ['addDevice', { spec: { kind: 'acpi-dimm', size: 'x'.repeat(65) } }, 'args.spec.size: expected a boolean, a finite number or a text of at most 64'],
    ['addDevice', { spec: { kind: 'acpi-dimm', 'bad key': '1G' } }, 'args.spec.bad key: not a parameter name'],
    ['addDevice', { spec: { kind: 'acpi-dimm', id: '' } }, 'args.spec.id: expected a device id'],
    ['addDevice', { spec: { kind: 'acpi-dimm', ...Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, 1])) } }, 'args.spec: at most 16 parameters'],
    ['resizeDevice', { device: 'vm0', size: '4 gigs' }, 'args.size: expected a size'],
    ['resizeDevice', { device: 'vm0', size: 4096 }, 'args.size: expected a size'],
    ['guestAction', { block: 1, state: 'gone' }, 'args.state'],
    ['iomemWindow', { from: 0, count: 1_000_000 }, 'args.count'],
    ['iomemSearch', { query: '', from: 0 }, 'args.query'],
    ['loadPreset', Object.assign(Object.create({ polluted: true }), { name: 'x' }), 'plain object'],
  ];
  it.each(bad)('rejects %s %j', (cmd, args, fragment) => {
    const err = validateArgs(cmd, args);
    expect(err).not.toBeNull();
    expect(isLabError(err)).toBe(true);
    if (fragment === 'UNKNOWN_COMMAND') expect(err!.code).toBe('UNKNOWN_COMMAND');
    else {
      expect(err!.code).toBe('BAD_PAYLOAD');
      expect(err!.message).toContain(fragment);
      // `<command>: args…`, the command named once
      expect(err!.message.startsWith(`${cmd}: args`)).toBe(true);
      expect(err!.message.split(`${cmd}:`)).toHaveLength(2);
    }
  });

  it.each([
    ['resizeDevice', { device: 'vm0', size: '4 gigs' }, 'resizeDevice: args.size: expected a size like "128M", "4G" or a byte count, got "4 gigs"'],
    ['resizeDevice', { device: 'vm0', size: 4096 }, 'resizeDevice: args.size: expected a size like "128M", "4G" or a byte count, got a number'],
    ['resizeDevice', { size: '4G' }, 'resizeDevice: args.device: expected a device id of 1–64 letters, digits or "._-", got a undefined'],
    ['loadScenario', { text: 'x'.repeat(4 * 1024 * 1024 + 1) }, 'loadScenario: args.text: expected a scenario text of at most 4194304 characters, got 4194305 characters'],
    ['step', { count: 1.5 }, 'step: args.count: expected an integer in [1, 10000000], got 1.5'],
    ['setSpeed', { stepsPerSecond: Number.POSITIVE_INFINITY }, 'setSpeed: args.stepsPerSecond: expected a number in [0, 1000000], got Infinity'],
    ['guestAction', { block: 1, state: 'gone' }, 'guestAction: args.state: expected one of "online", "offline", "online_kernel", "online_movable", got "gone"'],
    ['iomemWindow', { from: 0, count: 1, user: 'yes' }, 'iomemWindow: args.user: expected a boolean, got a string'],
    ['hello', [], 'hello: args: expected an object, got an array'],
    ['hello', new Map(), 'hello: args: expected a plain object'],
    // an unknown key is named before a missing one, in a tagged union too
    ['iomemWindow', { evil: 1 }, 'iomemWindow: args.evil: unknown field'],
    // The device payload is generic (kind, id, node, scalar parameters); the worker checks each kind's parameters.
    ['addDevice', { spec: { kind: 'acpi-dimm', regionSize: { bytes: 1 } } }, 'addDevice: args.spec.regionSize: expected a boolean, a finite number or a text of at most 64 characters, got an object'],
    ['addDevice', { spec: { kind: 'acpi-dimm', size: 'x'.repeat(65) } }, 'addDevice: args.spec.size: expected a boolean, a finite number or a text of at most 64 characters, got a string'],
    ['addDevice', { spec: { regionSize: '1G' } }, 'addDevice: args.spec.kind: expected a device kind name (1–32 lower-case letters, digits or "-"), got a undefined'],
    ['addDevice', { spec: 'virtio-mem' }, 'addDevice: args.spec: expected an object, got a string'],
    ['addDevice', { spec: { kind: 'virtio-mem', regionSize: '1G', node: 64 } }, 'addDevice: args.spec.node: expected an integer in [0, 63], got 64'],
  ])('words the message for %s %j exactly', (cmd, args, message) => {
    expect(validateArgs(cmd, args)).toEqual({ code: 'BAD_PAYLOAD', message });
  });

  it('accepts a field explicitly set to undefined as absent (structured clone keeps such keys)', () => {
    expect(validateArgs('iomemWindow', { from: 0, count: 1, maxDepth: undefined })).toBeNull();
    expect(validateHostArgs('laneCall', { lane: 0, command: 'hello' })).toBeNull();
  });

  it('prefixes a message with its command exactly once', () => {
    expect(commandMessage('resizeDevice', 'no device "vm9"')).toBe('resizeDevice: no device "vm9"');
    expect(commandMessage('resizeDevice', 'resizeDevice: args.size: not a size')).toBe('resizeDevice: args.size: not a size');
    expect(commandMessage('step', 'stepper: x')).toBe('step: stepper: x');
    const once = validateArgs('resizeDevice', { device: 'vm0', size: 'lots' })!.message;
    expect(commandMessage('resizeDevice', commandMessage('resizeDevice', once))).toBe(once);
  });

  it('validates host commands the same way', () => {
    expect(validateHostArgs('saveFile', { suggestedName: 'a.json', text: '{}' })).toBeNull();
    expect(validateHostArgs('saveFile', { suggestedName: '../a.json', text: '' })!.message).toContain('args.suggestedName');
    expect(validateHostArgs('exec', {})!.code).toBe('UNKNOWN_COMMAND');
  });

  it('derives one lab:<command> channel per command, none shared', () => {
    const channels = [...COMMAND_NAMES, ...HOST_COMMAND_NAMES].map(channelOf);
    expect(new Set(channels).size).toBe(channels.length);
    expect(channels).toContain('lab:loadPreset');
    expect(COMMAND_NAMES.length).toBe(Object.keys(COMMANDS).length);
  });

  it.each([
    ['an object without a prototype', Object.create(null), '(an object)'],
    ['an array holding one', [Object.create(null)], '(an array)'],
    ['a symbol', Symbol('x'), '(a symbol)'],
    ['null', null, '(null)'],
    ['a long string', 'x'.repeat(100), JSON.stringify('x'.repeat(60))],
  ])('names %s as the unknown command instead of throwing', (_n, command, shown) => {
    for (const [validate, what] of [[validateArgs, 'unknown command'], [validateHostArgs, 'unknown host command']] as const) {
      expect(validate(command, {})).toEqual({ code: 'UNKNOWN_COMMAND', message: `${what} ${shown}` });
    }
  });
});

describe('protocol: the schemas run under the app\'s CSP', () => {
  const root = path.resolve(__dirname, '../..');
  it.each(['node_modules/valibot/dist/index.mjs', 'out/main/lab.worker.js', 'out/main/index.js'])('%s carries valibot without eval or new Function', (file) => {
    const code = readFileSync(path.join(root, file), 'utf8');
    expect(code).toMatch(/strict_object/);
    expect(code).not.toMatch(/\beval\(|\bnew Function\b|\bFunction\(/);
  });
});
