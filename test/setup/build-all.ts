import { execFileSync } from 'node:child_process';

/** Builds everything (Node side and renderer) once before the end-to-end project. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
