import type { LuaScript, RedisTransport, ScriptArg } from '../src/index.js';
import type { Scheduler } from './scheduler.js';
import { SimCall, type CallSpec } from './sim-call.js';
import type { Trace } from './trace.js';
import type { WakeTicket } from './wake-fence.js';

export { InjectedFault } from './sim-call.js';

/** What a simulated connection needs from the world it runs in (World provides it). */
export interface SimNetwork {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  /** The real connection every call that gets through runs on. */
  readonly real: RedisTransport;
  /** SHAs of the scripts this run has sent: the server has them cached. */
  readonly scriptsSent: Set<string>;
  /** Sees every script call that reached Redis, with Redis's reply. */
  observe(process: string, script: string, args: readonly ScriptArg[], reply: unknown): void;
  /** A marker behind the calls sent so far: collectWakes(ticket) then needs no round trip. */
  markWakes(): WakeTicket;
  /** Delivers the wake-ups published before the ticket's marker (or all so far), in order. */
  collectWakes(ticket?: WakeTicket): Promise<void>;
  isCurrent(process: string, generation: number): boolean;
  callLatency(): number;
  callFault(process: string): 'fail-before' | 'reply-lost' | null;
  subscribe(
    process: string,
    generation: number,
    channel: string,
    onMessage: (m: string) => void,
  ): () => void;
}

/**
 * Scripts that may PUBLISH a wake-up (see pull_partition_pointer.lua): collectWakes runs after
 * each. (partitionPass and partitionRequeue publish too; the next collectWakes delivers theirs.)
 */
const PUBLISHING: ReadonlySet<string> = new Set([
  'enqueue',
  'requeue',
  'dequeue',
  'dequeueBatch',
  'scavengePartition',
]);

/**
 * One simulated process's Redis connection. Each call becomes a scheduler event (a SimCall);
 * when it runs, the world may fail it before it reaches Redis, run it on the real server (one
 * call at a time), or run it and lose the reply. The auditor sees every call that reached
 * Redis with its real reply.
 *
 * Calls due back to back at one instant are sent together (the scheduler's batches), in their
 * order on the one real connection, so Redis runs them exactly as if sent one by one. A call
 * ends its batch when a later one sent early could change what it sees: when it collects
 * wake-ups (its PING must find the wake-ups of the calls up to it, none from calls behind), or
 * when the server may not have its script yet (the NOSCRIPT retry would run after the calls
 * behind it).
 */
export class SimTransport implements RedisTransport {
  constructor(
    private readonly world: SimNetwork,
    readonly process: string,
    readonly generation: number,
  ) {}

  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const { world } = this;
    const { name } = script;
    const collects = PUBLISHING.has(name);
    let wakes: WakeTicket | undefined;
    return this.call({
      label: name,
      send: () => {
        const cached = world.scriptsSent.has(script.sha);
        world.scriptsSent.add(script.sha);
        const reply = world.real.runScript(script, keys, args);
        // Marked right behind the call, unless a NOSCRIPT retry could come after the marker.
        if (collects && cached) wakes = world.markWakes();
        return reply;
      },
      onReply: async (reply) => {
        world.observe(this.process, name, args, reply);
        if (collects) await world.collectWakes(wakes);
      },
      describe: () => `${name} ${args.map(String).join(' ')}`,
      batchable: () => !collects && world.scriptsSent.has(script.sha),
    });
  }

  hget(key: string, field: string): Promise<string | null> {
    return this.call({
      label: 'hget',
      send: () => this.world.real.hget(key, field),
      describe: () => `hget ${key} ${field}`,
      batchable: () => true,
    }) as Promise<string | null>;
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const off = this.world.subscribe(this.process, this.generation, channel, onMessage);
    return Promise.resolve(async () => off());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private call(spec: CallSpec): Promise<unknown> {
    const { world } = this;
    return new Promise((resolve, reject) => {
      const call = new SimCall(world, this.process, this.generation, spec, resolve, reject);
      world.scheduler.schedule(
        world.scheduler.now + world.callLatency(),
        this.process,
        () => call.run(),
        { begin: () => call.begin() },
      );
    });
  }
}
