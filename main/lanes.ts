/**
 * Compare lanes in the desktop app: one more lab worker per lane, started by main on the lane's
 * first command through the same `WorkerHost` as the interactive session, so a lane runs where the
 * session runs (worker_threads in main) and the renderer needs no worker of its own. Each lane's
 * command is validated against the protocol before it reaches the worker; lane events are not
 * forwarded (the lane driver polls `metrics`).
 */
import { validateArgs, type CommandName, type IpcReply } from '../worker/protocol.js';
import { WorkerHost, type WorkerHostOptions } from './worker-host.js';

export type LaneHostFactory = (lane: number) => Pick<WorkerHost, 'call' | 'dispose'>;

export class LaneHosts {
  private readonly hosts = new Map<number, Pick<WorkerHost, 'call' | 'dispose'>>();

  constructor(private readonly create: LaneHostFactory) {}

  /** The default: a `WorkerHost` on the built worker, restarted when it dies like the session's. */
  static forWorker(url: WorkerHostOptions['url']): LaneHosts {
    return new LaneHosts(() => {
      const host = new WorkerHost({ url, onEvent: () => {} });
      host.start();
      return host;
    });
  }

  /** Runs `command` on lane `lane`'s worker (started on first use); a coded error for bad arguments. */
  async call(lane: number, command: unknown, args: unknown): Promise<IpcReply<unknown>> {
    const invalid = validateArgs(command, args);
    if (invalid) return { ok: false, error: { ...invalid, message: `lane ${lane}: ${invalid.message}` } };
    let host = this.hosts.get(lane);
    if (!host) {
      host = this.create(lane);
      this.hosts.set(lane, host);
    }
    return host.call(command as CommandName, args as never);
  }

  /** Stops lane `lane`'s worker, if it runs. */
  stop(lane: number): IpcReply<null> {
    this.hosts.get(lane)?.dispose();
    this.hosts.delete(lane);
    return { ok: true, value: null };
  }

  /** Lanes with a running worker. */
  get running(): number[] {
    return [...this.hosts.keys()].sort((a, b) => a - b);
  }

  dispose(): void {
    for (const lane of [...this.hosts.keys()]) this.stop(lane);
  }
}

