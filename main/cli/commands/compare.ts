import type { Command } from 'commander';

/** Placeholder: the `compare` command is being built (see the issue that owns it). */
export function registerCompare(_program: Command): void {}
