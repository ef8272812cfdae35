import { execFileSync } from 'node:child_process';

/** Builds the Node side once before the `node` project, so tests can start the real built worker and CLI. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'node'], { stdio: 'inherit' });
}
