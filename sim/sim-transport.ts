import type { RedisTransport, ScriptArg, ScriptName } from '../src/index.js';
import type { World } from './world.js';

/** Scripts that may PUBLISH a wake-up (see pull_partition_pointer.lua). */
const PUBLISHING: ReadonlySet<string> = new Set([
  'enqueue',
  'requeue',
  'dequeue',
  'dequeueBatch',
  'scavengePartition',
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
    private readonly world: World,
    readonly process: string,
    readonly generation: number,
  ) {}

  runScript(
    name: ScriptName,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    return this.call(
      `${name}`,
      async () => {
        const reply = await this.world.real.runScript(name, keys, args);
        this.world.auditor.observe(this.process, name, args, reply);
        if (PUBLISHING.has(name)) await this.world.collectWakes();
        return reply;
      },
      () => `${name} ${args.map(String).join(' ')}`,
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
  ): Promise<unknown> {
    const { world } = this;
    return new Promise((resolve, reject) => {
      const latency = world.callLatency();
      world.scheduler.schedule(world.scheduler.now + latency, this.process, async () => {
        // crashed: the call never happened
        if (!world.isCurrent(this.process, this.generation)) return;
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
          `${this.process} ${describe()} -> ${JSON.stringify(reply)}`,
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
