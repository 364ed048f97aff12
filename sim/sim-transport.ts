import type { LuaScript, RedisTransport, ScriptArg } from '../src/index.js';
import type { Scheduler } from './scheduler.js';
import type { Trace } from './trace.js';
import { traceReply } from './trace-reply.js';

/** What a simulated connection needs from the world it runs in (World provides it). */
export interface SimNetwork {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  /** The real connection every call that gets through runs on. */
  readonly real: RedisTransport;
  /** Sees every script call that reached Redis, with Redis's reply. */
  observe(process: string, script: string, args: readonly ScriptArg[], reply: unknown): void;
  /** The same for the executor's connections (run-state scripts, keys included). */
  observeExec(
    process: string,
    script: string,
    keys: readonly string[],
    args: readonly ScriptArg[],
    reply: unknown,
  ): void;
  /** Whether the process crashes just before this executor call (the call never happens). */
  crashBeforeExecCall(process: string): boolean;
  /** Delivers the wake-ups a script published, in a fixed order. */
  collectWakes(): Promise<void>;
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

/** Scripts that may PUBLISH a wake-up (see pull_partition_pointer.lua). */
const PUBLISHING: ReadonlySet<string> = new Set([
  'enqueue',
  'requeue',
  'dequeue',
  'dequeueBatch',
  'scavengePartition',
  // run state: each may enqueue an item (enqueue_item.lua)
  'createRun',
  'commitStep',
  'resumePause',
  'finishRun',
]);

export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * One simulated process's Redis connection. Each call becomes a scheduler event; when it runs,
 * the world may fail it before it reaches Redis, run it on the real server (one call at a time),
 * or run it and lose the reply. The auditor sees every call that reached Redis with its real reply.
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
    const { name } = script;
    return this.call(
      `${name}`,
      async () => {
        const reply = await this.world.real.runScript(script, keys, args);
        if (this.role === 'executor') this.world.observeExec(this.process, name, keys, args, reply);
        else this.world.observe(this.process, name, args, reply);
        if (PUBLISHING.has(name)) await this.world.collectWakes();
        return reply;
      },
      () => `${name} ${args.map(String).join(' ')}`,
      (reply) => traceReply(name, reply),
    );
  }

  hget(key: string, field: string): Promise<string | null> {
    return this.call(
      'hget',
      () => this.world.real.hget(key, field),
      () => `hget ${key} ${field}`,
    ) as Promise<string | null>;
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const off = this.world.subscribe(this.process, this.generation, channel, onMessage);
    return Promise.resolve(async () => off());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private call(
    label: string,
    execute: () => Promise<unknown>,
    describe: () => string,
    describeReply: (reply: unknown) => string = (reply) => JSON.stringify(reply),
  ): Promise<unknown> {
    const { world } = this;
    return new Promise((resolve, reject) => {
      const latency = world.callLatency();
      world.scheduler.schedule(world.scheduler.now + latency, this.process, async () => {
        // crashed: the call never happened
        if (!world.isCurrent(this.process, this.generation)) return;
        if (this.role === 'executor' && world.crashBeforeExecCall(this.process)) return;
        const fault = world.callFault(this.process);
        if (fault === 'fail-before') {
          world.trace.add(world.scheduler.now, `${this.process} ${label} failed-before`);
          return reject(new InjectedFault(`${label}: connection refused (injected)`));
        }
        let reply: unknown;
        try {
          reply = await execute();
        } catch (err) {
          world.trace.add(world.scheduler.now, `${this.process} ${label} error ${String(err)}`);
          return reject(err);
        }
        world.trace.add(
          world.scheduler.now,
          `${this.process} ${describe()} -> ${describeReply(reply)}`,
        );
        if (fault === 'reply-lost') {
          world.trace.add(world.scheduler.now, `${this.process} ${label} reply-lost`);
          return reject(new InjectedFault(`${label}: reply lost (injected)`));
        }
        resolve(reply);
      });
    });
  }
}
