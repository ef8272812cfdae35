/** Reading the files commands are given: one line naming the file when it cannot be read. */
import { readFileSync, statSync } from 'node:fs';
import { CliError } from '../errors.js';

/** Where a command prints (process.stdout in the CLI, a buffer in tests). */
export interface Out {
  write(s: string): unknown;
}

/** Why a file could not be read, in a few words. */
function whyUnreadable(e: unknown, missing: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return missing;
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** Reads a text file (a trace, a dump) or fails with one line naming it. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${whyUnreadable(e, 'no such file')}`);
  }
}

/** Reads a text file, refusing a directory or a file above `maxBytes` before reading it. */
export function readLimited(file: string, maxBytes: number, missing = 'no such file'): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new CliError(`${file}: is a directory`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: ${whyUnreadable(e, missing)}`);
  }
  if (size > maxBytes) throw new CliError(`${file}: ${size} bytes is too large (the limit is ${maxBytes})`);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: ${whyUnreadable(e, missing)}`);
  }
}
