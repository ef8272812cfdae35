import type { Command } from 'commander';

/** Placeholder: the `replay` command is being built (see the issue that owns it). */
export function registerReplay(_program: Command): void {}
