import { performance } from 'node:perf_hooks';
import type { LuaScript, RedisTransport, ScriptArg } from '../../src/index.js';

/** One call through the transport: the script's name (or 'hget') and its client-side times. */
export interface TransportCall {
  name: string;
  /** performance.now() when it was sent and when its reply arrived, ms. */
  t0: number;
  t1: number;
}

/**
 * A RedisTransport that counts the calls it passes on, by script name (and `hget`), with their
 * client-side wall time; with `trace` set it also keeps every call's times. `subscribe` holds a
 * connection of its own and sends nothing per call, so it is passed through uncounted.
 */
export class CountingTransport implements RedisTransport {
  readonly calls = new Map<string, number>();
  readonly wallMs = new Map<string, number>();
  /** Script SHA -> name, for matching server-side records (SLOWLOG) with scripts. */
  readonly names = new Map<string, string>();
  /** When set, every call is appended here. */
  trace: TransportCall[] | null = null;

  constructor(readonly inner: RedisTransport) {}

  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    this.names.set(script.sha, script.name);
    const t0 = performance.now();
    try {
      return await this.inner.runScript(script, keys, args);
    } finally {
      this.count(script.name, t0);
    }
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe(channel, onMessage);
  }

  async hget(key: string, field: string): Promise<string | null> {
    const t0 = performance.now();
    try {
      return await this.inner.hget(key, field);
    } finally {
      this.count('hget', t0);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The counts so far, for `callsSince`. */
  snapshot(): Map<string, number> {
    return new Map(this.calls);
  }

  /** Calls by name since `before` (a snapshot), most first; zero counts left out. */
  callsSince(before: Map<string, number>): [string, number][] {
    const out: [string, number][] = [];
    for (const [name, n] of this.calls) {
      const d = n - (before.get(name) ?? 0);
      if (d > 0) out.push([name, d]);
    }
    return out.sort((a, b) => b[1] - a[1]);
  }

  private count(name: string, t0: number): void {
    const t1 = performance.now();
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    this.wallMs.set(name, (this.wallMs.get(name) ?? 0) + (t1 - t0));
    this.trace?.push({ name, t0, t1 });
  }
}
