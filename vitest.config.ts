import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// Three projects: `unit` (renderer components and stores in happy-dom), `node` (engine, lab, CLI,
// main/preload with electron mocked, the built worker), `e2e` (the built app in Debian Chromium).
export default defineConfig({
  plugins: [vue()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', environment: 'happy-dom', include: ['test/renderer/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/{engine,common,main,cli,worker,tooling,fuzz}/**/*.spec.ts'],
          globalSetup: ['test/setup/build-node.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.e2e.ts'],
          globalSetup: ['test/setup/build-all.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
