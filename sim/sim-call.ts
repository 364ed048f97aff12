import type { SimNetwork } from './sim-transport.js';

/** What one simulated Redis call does; SimTransport builds one per call. */
export interface CallSpec {
  /** The script's name, or the command's ('hget'): trace lines and errors name the call by it. */
  readonly label: string;
  /** Sends the call on the real connection. */
  readonly send: () => Promise<unknown>;
  /** Runs with Redis's reply before the caller sees it (the auditor, wake-ups). */
  readonly onReply?: (reply: unknown) => void | Promise<void>;
  /** The call with its arguments, for its trace line. */
  readonly describe: () => string;
  /** May a later call be sent before this one's reply is handled? Asked as it is sent. */
  readonly batchable: () => boolean;
}

/** The reply or error, caught on arrival: an error handled later is no unhandled rejection. */
type Settled = { ok: true; reply: unknown } | { ok: false; error: unknown };

export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * One call as a scheduler event, in two steps. `begin` decides its fate (its process crashed,
 * an injected fault) and sends it; `run` waits for the reply and does everything the caller or
 * the history can see: the auditor, wake-ups, the trace line, the caller's promise. The
 * scheduler may begin calls due back to back at one instant together (one round trip), then
 * runs them one by one; begin reads only what no call's run changes (see Scheduler).
 */
export class SimCall {
  private begun = false;
  private current = false;
  private fault: 'fail-before' | 'reply-lost' | null = null;
  private sent: Promise<Settled> | null = null;

  constructor(
    private readonly world: SimNetwork,
    private readonly process: string,
    private readonly generation: number,
    private readonly spec: CallSpec,
    private readonly resolve: (reply: unknown) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /** Returns whether a later call may begin before this one has run. */
  begin(): boolean {
    const { world } = this;
    this.begun = true;
    this.current = world.isCurrent(this.process, this.generation);
    if (!this.current) return true;
    this.fault = world.callFault(this.process);
    if (this.fault === 'fail-before') return true;
    const batchable = this.spec.batchable();
    this.sent = this.spec.send().then(
      (reply) => ({ ok: true, reply }),
      (error: unknown) => ({ ok: false, error }),
    );
    return batchable;
  }

  async run(): Promise<void> {
    const { world, spec } = this;
    if (!this.begun) this.begin();
    if (world.isCurrent(this.process, this.generation) !== this.current)
      throw new Error(
        `${this.process} ${spec.label}: its process started or crashed between the call's begin and its run; only an event of its own may do that (see Scheduler)`,
      );
    // crashed: the call never happened
    if (!this.current) return;
    const trace = (line: string) => world.trace.add(world.scheduler.now, `${this.process} ${line}`);
    if (!this.sent) {
      trace(`${spec.label} failed-before`);
      return this.reject(new InjectedFault(`${spec.label}: connection refused (injected)`));
    }
    let reply: unknown;
    try {
      const settled = await this.sent;
      if (!settled.ok) throw settled.error;
      reply = settled.reply;
      await spec.onReply?.(reply);
    } catch (err) {
      trace(`${spec.label} error ${String(err)}`);
      return this.reject(err);
    }
    trace(`${spec.describe()} -> ${JSON.stringify(reply)}`);
    if (this.fault === 'reply-lost') {
      trace(`${spec.label} reply-lost`);
      return this.reject(new InjectedFault(`${spec.label}: reply lost (injected)`));
    }
    this.resolve(reply);
  }
}
