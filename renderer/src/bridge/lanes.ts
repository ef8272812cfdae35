/**
 * Compare lanes in the renderer: one lab worker per lane (a pool, started on first use), and the
 * routing of each lane's worker replies to whoever shows them. The lane driver
 * (common/lanes/lane-driver.ts) speaks the protocol; this file decides which bridge carries it.
 */
import { labError } from '../../../worker/protocol.js';
import type { Scenario } from '../../../worker/engine/scenario/scenario.js';
import { driveLane, type DriveOptions, type LaneCall, type LaneJob, type LaneProgress, type LaneResult, type LaneScenario } from '../../../common/lanes/lane-driver.js';
import { createLaneBridge } from './index.js';
import { BridgeError, type LabBridge } from './types.js';

let laneBridgeFactory: () => LabBridge = () => createLaneBridge();

/** Tests (and a shell that hosts lanes elsewhere) replace how a lane's worker is started. */
export function setLaneBridgeFactory(f: () => LabBridge): void {
  laneBridgeFactory = f;
}

/** A LabBridge call as the lane driver wants it: a reply, never a rejection. */
export function laneCall(bridge: LabBridge): LaneCall {
  return async (command, args) => {
    try {
      return { ok: true, value: await bridge.call(command, args) };
    } catch (e) {
      return { ok: false, error: e instanceof BridgeError ? e.error : labError('ENGINE_FAILED', e instanceof Error ? e.message : String(e)) };
    }
  };
}

/** Where a running lane's news goes. */
export interface LaneRoutes extends DriveOptions {
  progress(p: LaneProgress): void;
}

/** The lane workers of one Compare view, kept between runs (lane i always runs in worker i). */
export class LanePool {
  private readonly bridges: LabBridge[] = [];

  /** Lane i's bridge, started on first use. */
  bridge(i: number): LabBridge {
    while (this.bridges.length <= i) this.bridges.push(laneBridgeFactory());
    return this.bridges[i]!;
  }

  /** The scenario lanes start from, as the worker validated it (loaded in lane 0's worker). */
  async baseScenario(scenario: LaneScenario): Promise<Scenario> {
    return (await this.bridge(0).call('loadLane', { scenario })).scenario;
  }

  /** Runs one lane in its worker; progress and new step records go to `routes`. Never throws. */
  run(job: LaneJob, routes: LaneRoutes): Promise<LaneResult> {
    const { progress, ...opts } = routes;
    return driveLane(laneCall(this.bridge(job.lane)), job, progress, opts);
  }
}
