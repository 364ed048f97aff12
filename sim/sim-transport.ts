import type { LuaScript, RedisTransport, ScriptArg } from '../src/index.js';
import { SimCall } from './sim-call.js';
import type { SimNetwork } from './sim-network.js';
import { traceReply } from './trace-reply.js';
import type { WakeTicket } from './wake-fence.js';

export { InjectedFault } from './sim-call.js';
export type { SimNetwork } from './sim-network.js';

/**
 * Scripts that may PUBLISH a wake-up (see pull_partition_pointer.lua): collectWakes runs after
 * each. test/sim/replay-rules.test.ts checks that this is exactly the scripts that may publish.
 */
export const PUBLISHING: ReadonlySet<string> = new Set([
  'enqueue',
  'requeue',
  'dequeue',
  'dequeueBatch',
  'scavengePartition',
  // a pass or requeue that leaves due items behind wakes idle processors ('<score>|left')
  'partitionPass',
  'partitionRequeue',
  // run state: each may enqueue an item (enqueue_item.lua)
  'createRun',
  'commitStep',
  'resumePause',
  'finishRun',
  // debounce and batching: a new window's or batch's timer item
  'debounceEvent',
  'appendBatch',
  // a timed run's first start: its finish-timeout item
  'startRun',
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
 * wake-ups (they must be those of the calls up to it, none of a call behind: see WakeFence), or
 * when the server may not have its script yet (the NOSCRIPT retry would run after the calls
 * behind it).
 */
export class SimTransport implements RedisTransport {
  constructor(
    private readonly world: SimNetwork,
    readonly process: string,
    readonly generation: number,
    /** 'executor': an engine's connection (its calls go to the run auditor, and may crash it). */
    readonly role: 'queue' | 'executor' = 'queue',
  ) {}

  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const call = new ScriptCall(this.world, this.process, this.generation, script, keys, args);
    call.executor = this.role === 'executor';
    return call.start();
  }

  hget(key: string, field: string): Promise<string | null> {
    return new HgetCall(this.world, this.process, this.generation, key, field).start() as Promise<
      string | null
    >;
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const off = this.world.subscribe(this.process, this.generation, channel, onMessage);
    return Promise.resolve(async () => off());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A script call: the auditor sees its reply, and it delivers the wake-ups it published. */
class ScriptCall extends SimCall {
  protected readonly label: string;
  private readonly collects: boolean;
  private wakes: WakeTicket | undefined;

  constructor(
    world: SimNetwork,
    process: string,
    generation: number,
    private readonly script: LuaScript,
    private readonly keys: readonly string[],
    private readonly args: readonly ScriptArg[],
  ) {
    super(world, process, generation);
    this.label = script.name;
    this.collects = PUBLISHING.has(script.name);
  }

  protected override batchable(): boolean {
    return !this.collects && this.world.scriptsSent.has(this.script.sha);
  }

  protected send(): Promise<unknown> {
    const { world, script } = this;
    const cached = world.scriptsSent.has(script.sha);
    world.scriptsSent.add(script.sha);
    const reply = world.real.runScript(script, this.keys, this.args);
    // Marked right behind the call, unless a NOSCRIPT retry could come after the marker.
    if (this.collects && cached) this.wakes = world.markWakes();
    return reply;
  }

  protected override async onReply(reply: unknown): Promise<void> {
    if (this.executor)
      this.world.observeExec(this.process, this.label, this.keys, this.args, reply);
    else this.world.observe(this.process, this.label, this.args, reply);
    if (this.collects) await this.world.collectWakes(this.wakes);
  }

  protected describe(): string {
    // join, like String, writes a number as String(n) does
    return `${this.label} ${this.args.join(' ')}`;
  }

  protected override describeReply(reply: unknown): string {
    return traceReply(this.label, reply);
  }
}

class HgetCall extends SimCall {
  protected readonly label = 'hget';

  constructor(
    world: SimNetwork,
    process: string,
    generation: number,
    private readonly key: string,
    private readonly field: string,
  ) {
    super(world, process, generation);
  }

  protected send(): Promise<unknown> {
    return this.world.real.hget(this.key, this.field);
  }

  protected describe(): string {
    return `hget ${this.key} ${this.field}`;
  }
}
