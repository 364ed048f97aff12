import { type LuaScript, type RedisTransport, type ScriptArg } from '../src/internal.js';

/** Wraps a transport; while `down`, every call fails before it reaches Redis. */
export class FlakyTransport implements RedisTransport {
  down = false;
  failedCalls = 0;

  constructor(private readonly inner: RedisTransport) {}

  private gate(): void {
    if (this.down) {
      this.failedCalls++;
      throw new Error('connect ECONNREFUSED (injected outage)');
    }
  }

  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    this.gate();
    return await this.inner.runScript(script, keys, args);
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.gate();
    return await this.inner.hget(key, field);
  }

  subscribe(channel: string, onMessage: (m: string) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe(channel, onMessage);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
