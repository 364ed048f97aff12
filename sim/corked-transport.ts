import { Redis } from 'ioredis';
import { IoredisTransport, type LuaScript, type ScriptArg } from '../src/internal.js';

/** Connects to the Redis at `url` (as connectRedis does) through a CorkedTransport. */
export async function connectCorked(url: string): Promise<CorkedTransport> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  return new CorkedTransport(client);
}

/**
 * The simulator's real connection: commands sent in one tick (a batch of calls, see
 * SimTransport) leave in one socket write instead of one write each. Node's documented idiom:
 * cork the socket, write, uncork on the next tick. Only the syscalls change, not the bytes.
 */
export class CorkedTransport extends IoredisTransport {
  private corked = false;

  constructor(client: Redis) {
    super(client);
  }

  override runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    this.cork();
    return super.runScript(script, keys, args);
  }

  override hget(key: string, field: string): Promise<string | null> {
    this.cork();
    return super.hget(key, field);
  }

  private cork(): void {
    if (this.corked) return;
    const { stream } = this.client as Redis;
    this.corked = true;
    stream.cork();
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }
}
