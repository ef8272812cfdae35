/**
 * Binds the engine port to the real engine. (Placeholder until the runner and machine land:
 * the worker then answers ENGINE_UNAVAILABLE to every command that needs a machine.)
 */
import type { LabEngine } from './engine-port.js';

export function createEngine(): LabEngine | null {
  return null;
}
