/**
 * The lint rules that carry ARCHITECTURE.md §3 (who may import what) and the engine's purity
 * (no clock, randomness, DOM or run-time module loading) must keep firing: each bad snippet, linted
 * as if it lived at the path named, must be reported by the rule named; the clean ones by none.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: path.resolve(__dirname, '../..') });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('lint rules fire on bad code', () => {
  it.each([
    // worker/engine: imports
    ['worker/engine/kernel/bad.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
    ['worker/engine/kernel/bad.ts', "import path from 'path';\nexport const p = path;\n", 'no-restricted-imports'],
    ['worker/engine/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['worker/engine/scenario/bad.ts', "import { ref } from 'vue';\nexport const r = ref;\n", 'no-restricted-imports'],
    ['worker/engine/scenario/bad.ts', "import { labError } from '../../protocol.js';\nexport const e = labError;\n", 'no-restricted-imports'],
    ['worker/engine/bad.ts', "import { x } from '../session.js';\nexport const y = x;\n", 'no-restricted-imports'],
    ['worker/engine/scenario/bad.ts', "import { x } from 'lodash';\nexport const y = x;\n", 'no-restricted-imports'],
    // worker/engine: purity
    ['worker/engine/scenario/bad.ts', 'export const t = Date.now();\n', 'no-restricted-properties'],
    ['worker/engine/scenario/bad.ts', 'export const r = Math.random();\n', 'no-restricted-properties'],
    ['worker/engine/bad.ts', 'export const t = performance.now();\n', 'no-restricted-globals'],
    ['worker/engine/drivers/bad.ts', 'setTimeout(() => {}, 10);\n', 'no-restricted-globals'],
    ['worker/engine/bad.ts', 'export const w = document.title;\n', 'no-restricted-globals'],
    ['worker/engine/bad.ts', 'export const d = new Date();\n', 'no-restricted-syntax'],
    ['worker/engine/bad.ts', "export const m = import('./sizes.js');\n", 'no-restricted-syntax'],
    ['worker/engine/bad.ts', 'export const g = globalThis.process;\n', 'no-restricted-properties'],
    // renderer
    ['renderer/src/stores/bad.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n", 'no-restricted-imports'],
    ['renderer/src/stores/bad.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
    ['renderer/src/components/bad.ts', "import { registerIpc } from '../../../main/ipc.js';\nexport const r = registerIpc;\n", 'no-restricted-imports'],
    // main/cli
    ['main/cli/commands/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    // worker/protocol.ts: engine types only
    ['worker/protocol.ts', "import { Machine } from './engine/machine/machine.js';\nexport const m = Machine;\n", '@typescript-eslint/no-restricted-imports'],
    ['worker/protocol.ts', "import type { LabSession } from './session.js';\nexport type S = LabSession;\n", '@typescript-eslint/no-restricted-imports'],
    ['worker/protocol.ts', "import { z } from 'zod';\nexport const s = z.string();\n", '@typescript-eslint/no-restricted-imports'],
    ['worker/protocol.ts', "import { string } from 'valibot/dist/index.mjs';\nexport const s = string();\n", '@typescript-eslint/no-restricted-imports'],
    ['worker/protocol.ts', "import { formatSize } from './engine/sizes.js';\nexport const f = formatSize;\n", '@typescript-eslint/no-restricted-imports'],
    ['worker/protocol.ts', "import { x } from './engine/names.js.bak';\nexport const y = x;\n", '@typescript-eslint/no-restricted-imports'],
    // main/preload.ts: electron only at run time
    ['main/preload.ts', "import { COMMANDS } from '../worker/protocol.js';\nexport const c = COMMANDS;\n", '@typescript-eslint/no-restricted-imports'],
    // common/: runs in the worker, the renderer and the CLI
    ['common/report/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['common/report/bad.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
    ['common/scenario-io/bad.ts', "import path from 'path';\nexport const p = path;\n", 'no-restricted-imports'],
    ['common/lanes/bad.ts', "import { ref } from 'vue';\nexport const r = ref;\n", 'no-restricted-imports'],
    ['common/lanes/bad.ts', "import { x } from '../../renderer/src/format.js';\nexport const y = x;\n", 'no-restricted-imports'],
    ['common/bad.ts', "import { x } from '../main/atomic-write.js';\nexport const y = x;\n", 'no-restricted-imports'],
    ['common/report/bad.ts', 'export const t = document.title;\n', 'no-restricted-globals'],
    ['common/report/bad.ts', 'export const e = process.env;\n', 'no-restricted-globals'],
    // worker/ outside the engine
    ['worker/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['worker/bad.ts', "import { x } from '../main/atomic-write.js';\nexport const y = x;\n", 'no-restricted-imports'],
    // a disable comment must say why
    ['worker/session.ts', '// eslint-disable-next-line no-console\nconsole.log(1);\n', 'memhp/require-disable-reason'],
  ])('%s: %j is reported by %s', async (file, code, rule) => {
    expect(await ruleIds(file, code)).toContain(rule);
  });
});

describe('lint rules pass clean code', () => {
  it.each([
    ['worker/engine/scenario/good.ts', "import { SimClock } from '../clock.js';\nexport const c = new SimClock();\nexport const d = new Date(0);\n"],
    ['worker/engine/good.ts', "import { parseSize } from './sizes.js';\nexport const s = parseSize('1G');\n"],
    ['worker/protocol.ts', "import type { Machine } from './engine/machine/machine.js';\nexport type M = Machine;\n"],
    ['worker/protocol.ts', "import * as v from 'valibot';\nexport const s = v.string();\n"],
    ['worker/protocol.ts', "import { PROFILE_NAMES } from './engine/names.js';\nexport const p = PROFILE_NAMES;\n"],
    ['main/preload.ts', "import { contextBridge } from 'electron';\nimport type { LabApi } from '../worker/protocol.js';\nexport const c = contextBridge;\nexport type A = LabApi;\n"],
    ['renderer/src/stores/good.ts', "import { ref } from 'vue';\nimport type { Snapshot } from '../../../worker/protocol.js';\nexport const r = ref<Snapshot | null>(null);\n"],
    ['common/report/good.ts', "import { parseSize } from '../../worker/engine/sizes.js';\nimport type { Snapshot } from '../../worker/protocol.js';\nexport const s = parseSize('1G');\nexport type S = Snapshot;\n"],
    ['main/cli/commands/good.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
  ])('%s: clean', async (file, code) => {
    expect(await ruleIds(file, code)).toEqual([]);
  });
});
