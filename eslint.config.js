// ESLint flat config for memhp-lab (STYLE.md: "Lint and format with the ecosystem's standard tools;
// errors, not warnings parked forever"). Run with `npm run lint`.
//
// - `.js`/`.mjs`/`.cjs`: ESLint's recommended set, Node globals (build and CI scripts).
// - `.ts`: typescript-eslint's recommended set (not the type-checked one, so a full run takes seconds).
// - `.vue`: eslint-plugin-vue's recommended set (its `-error` variant: the same rules at "error"),
//   with the typescript-eslint parser for `<script lang="ts">` and the same TypeScript rules.
// - ARCHITECTURE.md §3 "who may import what" as `no-restricted-imports` per folder, and the engine's
//   "no wall clock, no randomness, no DOM" as restricted globals/properties.
// Every rule is an error; a rule turned off carries a one-line reason, and an `eslint-disable`
// comment in code must give its reason after `--` (see `eslint-comments` below).
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

const TS_FILES = ['**/*.ts', '**/*.mts', '**/*.cts'];
const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const VUE_FILES = ['**/*.vue'];

/** Node's built-in modules by their bare names (`fs`, `path`, …); `node:*` is matched separately. */
const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));

/** Restricts `configs` (which may apply to every file) to `files`. */
function only(files, configs) {
  return configs.map((c) => ({ ...c, files }));
}

/** Turns every rule of `configs` still at "warn" into "error" (no warnings parked forever). */
function asErrors(configs) {
  return configs.map((c) => {
    if (!c.rules) return c;
    const rules = {};
    for (const [name, entry] of Object.entries(c.rules)) {
      if (entry === 'warn' || entry === 1) rules[name] = 'error';
      else if (Array.isArray(entry) && (entry[0] === 'warn' || entry[0] === 1)) rules[name] = ['error', ...entry.slice(1)];
      else rules[name] = entry;
    }
    return { ...c, rules };
  });
}

/** `paths` entries for `no-restricted-imports`: each name with the same message. */
function banned(names, message) {
  return names.map((name) => ({ name, message }));
}

/**
 * The engine's import rule for a file `depth` folders below worker/engine (0 = worker/engine/x.ts):
 * no package at all (electron, vue, Node, …) and no relative path that climbs out of worker/engine.
 */
function engineImports(depth) {
  const why = 'worker/engine is pure TypeScript: it imports only files inside worker/engine (ARCHITECTURE.md §3).';
  const named = ['electron', 'vue', 'pinia', 'web-worker', 'yaml', 'ajv', 'echarts', 'uplot', 'commander', ...NODE_BUILTINS];
  return [
    'error',
    {
      paths: banned(named, why),
      patterns: [
        { regex: '^node:', message: why },
        // Any other bare specifier (`electron/main`, `lodash`, …) is a package too, and no package is
        // allowed; the exact names above and node:* are left out so each bad import is reported once.
        { regex: `^(?!node:)(?!(?:${named.map(escapeRegex).join('|')})$)[^.]`, message: why },
        // `../` one more time than the file is deep leaves worker/engine.
        { regex: `^(?:\\.\\./){${depth + 1},}`, message: why },
      ],
    },
  ];
}

/** `text` as a literal inside a regular expression. */
function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Deepest folder level below worker/engine checked for climbing out (the tree is 2 deep today). */
const ENGINE_MAX_DEPTH = 8;

/** Globs for worker/engine files exactly `depth` folders below worker/engine. */
function engineFilesAt(depth) {
  const mid = '*/'.repeat(depth);
  return [`worker/engine/${mid}*.ts`, `worker/engine/${mid}*.mts`];
}

/**
 * `memhp/require-disable-reason`: an `eslint-disable*` comment must carry its reason on the same
 * line after `--` (ESLint's own description syntax), so a silenced finding always says why.
 */
const requireDisableReason = {
  meta: {
    type: 'suggestion',
    docs: { description: 'require a `-- reason` on every eslint-disable comment' },
    schema: [],
    messages: { missing: 'Say why on the same line: `{{kind}} <rule> -- <reason>`.' },
  },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const m = /^\s*(eslint-disable(?:-next-line|-line)?)\b(.*)$/s.exec(comment.value);
          if (!m) continue;
          const reason = m[2].split(/\s-{2,}\s/)[1];
          if (reason === undefined || reason.trim() === '') {
            context.report({ loc: comment.loc, messageId: 'missing', data: { kind: m[1] } });
          }
        }
      },
    };
  },
};

/** `no-unused-vars` options: a `_` prefix or a rest sibling says "unused on purpose". */
const UNUSED_VARS_OPTIONS = {
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
  ignoreRestSiblings: true,
};

const COMMON_MESSAGE = 'common/ runs in the worker, the renderer and the CLI: no Electron, Node, DOM, main/ or renderer/ (ARCHITECTURE.md §3).';
const WORKER_MESSAGE = 'worker/ is the lab worker: no Electron, Vue, main/ or renderer/ (ARCHITECTURE.md §3).';
const ENGINE_CLOCK_MESSAGE = 'The engine never reads a clock, randomness or the DOM: use SimClock (clock.ts) / SeededRng (rng.ts).';

export default defineConfig(
  {
    name: 'memhp/ignores',
    ignores: [
      'out/**',
      'release/**',
      '**/node_modules/**',
      'test-artifacts/**',
      '**/*.generated.js',
      '**/*.generated.d.ts',
    ],
  },
  {
    name: 'memhp/linter-options',
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },

  // JavaScript (build, CI and generator scripts): run by Node.
  ...only(JS_FILES, [js.configs.recommended]),
  {
    name: 'memhp/js-node-globals',
    files: JS_FILES,
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
  },

  // TypeScript.
  ...only(TS_FILES, tseslint.configs.recommended),

  // Vue single-file components: the plugin's parser for the template, typescript-eslint's for the script.
  ...only(VUE_FILES, asErrors(vue.configs['flat/recommended-error'])),
  ...only(
    VUE_FILES,
    tseslint.configs.recommended.filter((c) => c.name !== 'typescript-eslint/base' && c.rules).map((c) => ({ name: c.name, rules: c.rules })),
  ),
  {
    name: 'memhp/vue-typescript',
    files: VUE_FILES,
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: { ...globals.browser },
    },
  },
  {
    name: 'memhp/vue-formatting-off',
    files: VUE_FILES,
    // Formatting only (layout) rules are off: no fights with editors or a formatter over whitespace.
    rules: Object.fromEntries(
      Object.entries(vue.rules)
        .filter(([, rule]) => rule.meta?.type === 'layout')
        .map(([name]) => [`vue/${name}`, 'off']),
    ),
  },

  // A leading `_` marks a deliberately unused name (as TypeScript's noUnused* checks read it), and
  // `{ dropped: _x, ...rest }` is how a field is left out of a copy.
  {
    name: 'memhp/unused-underscore',
    files: [...TS_FILES, ...VUE_FILES],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', UNUSED_VARS_OPTIONS],
    },
  },
  {
    name: 'memhp/unused-underscore-js',
    files: JS_FILES,
    rules: { 'no-unused-vars': ['error', UNUSED_VARS_OPTIONS] },
  },

  // `eslint-disable` comments must say why, on the same line, after `--`.
  {
    name: 'memhp/eslint-comments',
    files: [...TS_FILES, ...JS_FILES, ...VUE_FILES],
    plugins: { memhp: { rules: { 'require-disable-reason': requireDisableReason } } },
    rules: { 'memhp/require-disable-reason': 'error' },
  },

  // ARCHITECTURE.md §3: worker/engine imports nothing outside itself and never reads a clock or the DOM.
  ...Array.from({ length: ENGINE_MAX_DEPTH + 1 }, (_, depth) => ({
    name: `memhp/engine-imports-depth-${depth}`,
    files: engineFilesAt(depth),
    rules: { 'no-restricted-imports': engineImports(depth) },
  })),
  {
    name: 'memhp/engine-purity',
    files: ['worker/engine/**/*.ts', 'worker/engine/**/*.mts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['performance', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'requestAnimationFrame', 'document', 'window', 'navigator', 'process', 'crypto'].map(
          (name) => ({ name, message: ENGINE_CLOCK_MESSAGE }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: ENGINE_CLOCK_MESSAGE },
        { object: 'Math', property: 'random', message: ENGINE_CLOCK_MESSAGE },
        { object: 'globalThis', message: ENGINE_CLOCK_MESSAGE },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: ENGINE_CLOCK_MESSAGE },
        { selector: 'ImportExpression', message: 'worker/engine loads no modules at run time (ARCHITECTURE.md §3).' },
      ],
    },
  },

  // worker/protocol.ts: engine types (type imports from worker/engine) and, at run time, valibot and
  // engine/names.ts only. valibot checks every IPC payload; it is pure (no eval, no Node, no DOM), so
  // the worker, main and the renderer can all run it. engine/names.ts holds the profile/strategy/
  // online-policy lists (constants that import nothing), which the payload checks need at run time,
  // so the lists stay declared once and no engine code reaches the renderer or the preload.
  // The sandboxed preload imports protocol types only.
  {
    name: 'memhp/protocol-imports',
    files: ['worker/protocol.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./engine/|valibot$)', message: 'worker/protocol.ts imports only engine types and valibot (ARCHITECTURE.md §3).' },
            {
              regex: '^\\./engine/(?!names\\.js$)',
              allowTypeImports: true,
              message: 'worker/protocol.ts imports engine types only (and the constants of engine/names.ts): use `import type` (ARCHITECTURE.md §3).',
            },
          ],
        },
      ],
    },
  },

  // main/preload.ts: sandboxed and bundled alone, so `electron` plus types only.
  {
    name: 'memhp/preload-imports',
    files: ['main/preload.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!electron$)',
              allowTypeImports: true,
              message: 'The sandboxed preload may import only `electron` at run time; anything else as `import type` (ARCHITECTURE.md §3).',
            },
          ],
        },
      ],
    },
  },

  // renderer: protocol types + vue/pinia; never Electron, Node or the main process.
  {
    name: 'memhp/renderer-imports',
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...banned(['electron'], 'The renderer reaches Electron only through window.lab (preload); ARCHITECTURE.md §3.'),
            ...banned(NODE_BUILTINS, 'The renderer runs in a browser: no Node built-ins (ARCHITECTURE.md §3).'),
          ],
          patterns: [
            { regex: '^node:', message: 'The renderer runs in a browser: no Node built-ins (ARCHITECTURE.md §3).' },
            { regex: '^(\\.\\./)+main(/|$)', message: 'The renderer never imports the main process (ARCHITECTURE.md §3).' },
          ],
        },
      ],
    },
  },

  // common/: code that runs in the worker, the renderer and the CLI alike (reports, scenario files,
  // the lane driver): no Electron, no Node built-ins, no DOM, and never main/ or renderer/.
  {
    name: 'memhp/common-imports',
    files: ['common/**/*.ts', 'common/**/*.mts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...banned(['electron', 'vue', 'pinia', 'web-worker'], COMMON_MESSAGE),
            ...banned(NODE_BUILTINS, COMMON_MESSAGE),
          ],
          patterns: [
            { regex: '^node:', message: COMMON_MESSAGE },
            { regex: '^(\\.\\./)+(main|renderer)(/|$)', message: COMMON_MESSAGE },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...['document', 'window', 'navigator', 'process', 'localStorage', 'indexedDB'].map((name) => ({ name, message: COMMON_MESSAGE }))],
    },
  },

  // worker/ (outside the engine): the worker itself; never Electron, Vue or the other processes.
  {
    name: 'memhp/worker-imports',
    files: ['worker/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: banned(['electron', 'vue', 'pinia'], WORKER_MESSAGE),
          patterns: [{ regex: '^(\\.\\./)+(main|renderer)(/|$)', message: WORKER_MESSAGE }],
        },
      ],
    },
  },

  // main/cli: headless; importing electron would start a download.
  {
    name: 'memhp/cli-imports',
    files: ['main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: banned(['electron'], 'main/cli is headless and must never reach electron (ARCHITECTURE.md §3).') },
      ],
    },
  },
);
