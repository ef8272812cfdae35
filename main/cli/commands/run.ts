import type { Command } from 'commander';

/** Placeholder: the `run` command is being built (see the issue that owns it). */
export function registerRun(_program: Command): void {}
