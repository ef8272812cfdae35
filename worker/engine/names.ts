/**
 * The engine's closed name lists, declared once: kernel profiles, merge strategies and the
 * auto-online policies. Each list is a literal tuple, so its type is derived from it and a
 * runtime check (`includes`) and the TypeScript union can never disagree.
 *
 * This module holds constants only and imports nothing. That is why worker/protocol.ts may import
 * it at run time (its payload validation needs the lists) while it takes everything else from the
 * engine as types only: pulling this file in adds no engine code to the renderer or the preload.
 */

/** Kernel profiles (see profiles.ts), oldest first; the RFC series sits between 5.9 and 5.10. */
export const PROFILE_NAMES = ['5.9', 'rfc-v1', '5.10', '6.1', '6.12', '6.18', '7.3'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The profile a scenario that names none runs on: 6.18, the current LTS. */
export const DEFAULT_PROFILE: ProfileName = '6.18';

/** How hot-added "System RAM" resources are merged: not at all, the RFC's way, or MHP_MERGE_RESOURCE. */
export const STRATEGY_NAMES = ['none', 'rfc-v1', 'mhp-merge'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** memhp_default_state / auto_online_blocks values, and what a guest may write to a block's `state`. */
export const ONLINE_POLICIES = ['offline', 'online', 'online_kernel', 'online_movable'] as const;
export type OnlinePolicy = (typeof ONLINE_POLICIES)[number];
