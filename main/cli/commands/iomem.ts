import type { Command } from 'commander';

/** Placeholder: the `iomem` command is being built (see the issue that owns it). */
export function registerIomem(_program: Command): void {}
