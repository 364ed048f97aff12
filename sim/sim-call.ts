import type { SimNetwork } from './sim-network.js';

/** The reply or error, caught on arrival: an error handled later is no unhandled rejection. */
type Settled = { ok: true; reply: unknown } | { ok: false; error: unknown };

/** The settle functions before start() sets them (one function: tsx names each closure). */
function unset(): void {}

export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * One call as a scheduler event, in two steps. `begin` decides its fate (its process crashed,
 * an injected fault) and sends it; `run` waits for the reply and does everything the caller or
 * the history can see: the auditor, wake-ups, the trace line, the caller's promise. The
 * scheduler may begin calls due back to back at one instant together (one round trip), then
 * runs them one by one; begin reads only what no call's run changes (see Scheduler).
 * A subclass says what the call is (SimTransport's script and HGET calls).
 */
export abstract class SimCall {
  private begun = false;
  private current = false;
  private fault: 'fail-before' | 'reply-lost' | null = null;
  private sent: Promise<Settled> | null = null;
  private resolve: (reply: unknown) => void = unset;
  private reject: (err: unknown) => void = unset;

  constructor(
    protected readonly world: SimNetwork,
    protected readonly process: string,
    private readonly generation: number,
  ) {}

  /** The script's name, or the command's ('hget'): trace lines and errors name the call by it. */
  protected abstract readonly label: string;
  /** Sends the call on the real connection. */
  protected abstract send(): Promise<unknown>;
  /** The call with its arguments, for its trace line. */
  protected abstract describe(): string;

  /** An executor's call: its process may crash just before it (see SimNetwork). */
  executor = false;

  /** The reply as its trace line shows it. */
  protected describeReply(reply: unknown): string {
    return JSON.stringify(reply);
  }

  /** Runs with Redis's reply before the caller sees it (the auditor, wake-ups). */
  protected onReply(_reply: unknown): void | Promise<void> {}

  /** May a later call be sent before this one's reply is handled? Asked just before it is sent. */
  protected batchable(): boolean {
    return true;
  }

  /** Schedules the call one network latency from now; settles as its caller sees it. */
  start(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const { scheduler } = this.world;
      const at = scheduler.now + this.world.callLatency();
      if (this.executor) this.world.crashBeforeExecCall(this.process, at);
      // bound methods, not closures: this runs for every call
      scheduler.schedule(at, this.process, this.run.bind(this), {
        begin: this.begin.bind(this),
      });
    });
  }

  /** Returns whether a later call may begin before this one has run. */
  begin(): boolean {
    const { world } = this;
    this.begun = true;
    this.current = world.isCurrent(this.process, this.generation);
    if (!this.current) return true;
    this.fault = world.callFault(this.process);
    if (this.fault === 'fail-before') return true;
    const batchable = this.batchable();
    this.sent = this.send().then(
      (reply) => ({ ok: true, reply }),
      (error: unknown) => ({ ok: false, error }),
    );
    return batchable;
  }

  async run(): Promise<void> {
    const { world, label } = this;
    if (!this.begun) this.begin();
    if (world.isCurrent(this.process, this.generation) !== this.current)
      throw new Error(
        `${this.process} ${label}: its process started or crashed between the call's begin and its run; only an event of its own may do that (see Scheduler)`,
      );
    // crashed: the call never happened
    if (!this.current) return;
    if (!this.sent) {
      this.trace(`${label} failed-before`);
      return this.reject(new InjectedFault(`${label}: connection refused (injected)`));
    }
    let reply: unknown;
    try {
      const settled = await this.sent;
      if (!settled.ok) throw settled.error;
      reply = settled.reply;
      await this.onReply(reply);
    } catch (err) {
      this.trace(`${label} error ${String(err)}`);
      return this.reject(err);
    }
    this.trace(`${this.describe()} -> ${this.describeReply(reply)}`);
    if (this.fault === 'reply-lost') {
      this.trace(`${label} reply-lost`);
      return this.reject(new InjectedFault(`${label}: reply lost (injected)`));
    }
    this.resolve(reply);
  }

  private trace(line: string): void {
    this.world.trace.add(this.world.scheduler.now, `${this.process} ${line}`);
  }
}
