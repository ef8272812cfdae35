/**
 * THE typed contract between the renderer / CLI / Electron main and the worker.
 * (Skeleton: filled in by the app-shell work.)
 */
export const PROTOCOL_VERSION = 1;
