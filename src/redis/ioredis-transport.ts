import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import { loadScripts, type LoadedScript } from './script-loader.js';
import type { RedisTransport, ScriptArg, ScriptName } from './transport.js';

export class ScriptCallError extends Error {
  override readonly name = 'ScriptCallError';
}

/**
 * RedisTransport over ioredis, for one server or a Redis Cluster. Scripts are loaded once per
 * connection (on every master for a cluster), called by SHA, and resent in full on NOSCRIPT
 * (after a restart, a failover or SCRIPT FLUSH), which also caches them again on that node.
 */
export class IoredisTransport implements RedisTransport {
  readonly client: Redis | Cluster;
  private readonly scripts: ReadonlyMap<string, LoadedScript>;

  constructor(client: Redis | Cluster, scripts: ReadonlyMap<string, LoadedScript> = loadScripts()) {
    this.client = client;
    this.scripts = scripts;
  }

  /** Loads every script into the server's cache (each master's, for a cluster). */
  async loadAll(): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      for (const script of this.scripts.values()) {
        const sha = await node.script('LOAD', script.source);
        if (sha !== script.sha)
          throw new ScriptCallError(`${script.file}: server SHA ${String(sha)} != ${script.sha}`);
      }
    }
  }

  async runScript(
    name: ScriptName,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    const script = this.scripts.get(name);
    if (!script) throw new ScriptCallError(`unknown script '${name}'`);
    if (script.numKeys !== 'variable' && keys.length !== script.numKeys) {
      throw new ScriptCallError(`${script.file} takes ${script.numKeys} KEYS, got ${keys.length}`);
    }
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return await this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    const subscriber = this.client.duplicate();
    subscriber.on('error', () => {
      // reconnects by itself; missed messages only delay a wake-up until the idle timeout
    });
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) onMessage(message);
    });
    await subscriber.subscribe(channel);
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }

  async hget(key: string, field: string): Promise<string | null> {
    return await this.client.hget(key, field);
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** Connects to one Redis server (`redis://host:port/db`) and loads the scripts. */
export async function connectRedis(
  url: string,
  options: RedisOptions = {},
): Promise<IoredisTransport> {
  const client = new Redis(url, { lazyConnect: true, ...options });
  await client.connect();
  const transport = new IoredisTransport(client);
  await transport.loadAll();
  return transport;
}

/** Connects to a Redis Cluster through its seed nodes and loads the scripts on every master. */
export async function connectCluster(
  nodes: readonly ClusterNode[],
  options: ClusterOptions = {},
): Promise<IoredisTransport> {
  const client = new Cluster([...nodes], { lazyConnect: true, ...options });
  await client.connect();
  const transport = new IoredisTransport(client);
  await transport.loadAll();
  return transport;
}
