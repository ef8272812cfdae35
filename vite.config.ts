import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The renderer: one page, its Web Worker bundled beside it. Served over http in browser mode,
// loaded from disk by Electron. `base: './'` keeps every asset path relative for both.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [vue()],
  worker: { format: 'es' },
  build: { outDir: '../out/renderer', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
});
