/**
 * Node module hooks for `npm run fuzz`: when the built Electron main (out/main/index.js) imports
 * `electron` or `web-worker`, it gets the fakes that bench/fuzz/electron-fake.ts put on
 * globalThis instead (importing the real `electron` package outside Electron tries to download it).
 */
import { register } from 'node:module';
import { fakeElectronModule } from './electron-fake.js';

/** Redirects `electron` and `web-worker` for imports made by `parentUrl` only. */
export function registerFakeModules(parentUrl: string): void {
  // ESM named exports are static: list every name the fake provides.
  const names = Object.keys(fakeElectronModule()).filter((n) => n !== 'default');
  const electron = `const m = globalThis.__memhpFuzzFakes.electron; ${names.map((n) => `export const ${n} = m.${n};`).join(' ')} export default m;`;
  const webWorker = 'export default globalThis.__memhpFuzzFakes.webWorker;';
  const dataUrl = (src: string): string => `data:text/javascript,${encodeURIComponent(src)}`;
  const hook = `
    const map = { electron: ${JSON.stringify(dataUrl(electron))}, 'web-worker': ${JSON.stringify(dataUrl(webWorker))} };
    export async function resolve(specifier, context, next) {
      if (context.parentURL === ${JSON.stringify(parentUrl)} && Object.hasOwn(map, specifier)) return { url: map[specifier], shortCircuit: true };
      return next(specifier, context);
    }`;
  register(dataUrl(hook));
}
