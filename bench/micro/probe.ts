import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { LuaScript, RedisTransport, ScriptArg } from '../../src/index.js';
import { scriptStats } from './server-stats.js';

/** One call of the script under test. */
export interface ProbeSample {
  /** Client wall time of the call: EVALSHA sent to reply parsed, ms. */
  ms: number;
  /** Time the server spent in it (INFO commandstats, EVALSHA + EVAL), µs. */
  serverUs: number;
}

/**
 * Passes every call through to a real transport, and times the calls of one script (the focus):
 * the wall time of the round trip alone (not the caller's argument building or reply decoding),
 * and, from INFO commandstats read just before and just after on a separate connection, the
 * server time of exactly that call. The INFO reads are outside the timed window.
 */
export class ProbeTransport implements RedisTransport {
  private focus: string | null = null;
  private samples: ProbeSample[] = [];

  constructor(
    private readonly inner: RedisTransport,
    private readonly admin: Redis,
  ) {}

  /** Starts timing the calls of `script` (the previous samples are dropped). */
  arm(script: string): void {
    this.focus = script;
    this.samples = [];
  }

  /** Stops timing and returns the one sample since arm(); throws unless exactly one call ran. */
  take(): ProbeSample {
    const { focus, samples } = this;
    this.focus = null;
    this.samples = [];
    if (samples.length !== 1)
      throw new Error(`expected one ${String(focus)} call, saw ${samples.length}`);
    return samples[0] as ProbeSample;
  }

  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const { name } = script;
    if (name !== this.focus) return await this.inner.runScript(script, keys, args);
    const before = await scriptStats(this.admin);
    const t0 = performance.now();
    const reply = await this.inner.runScript(script, keys, args);
    const ms = performance.now() - t0;
    const after = await scriptStats(this.admin);
    if (after.calls - before.calls !== 1)
      throw new Error(`${name}: ${after.calls - before.calls} script calls in one probe`);
    this.samples.push({ ms, serverUs: after.usec - before.usec });
    return reply;
  }

  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe(channel, onMessage);
  }
  hget(key: string, field: string): Promise<string | null> {
    return this.inner.hget(key, field);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
