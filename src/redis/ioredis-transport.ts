import { Cluster, Redis } from 'ioredis';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';
import { ScriptCallError, ScriptError } from './errors.js';
import type { LuaScript } from './script.js';
import type { RedisTransport, ScriptArg } from './transport.js';

/**
 * RedisTransport over ioredis, for one server or a Redis Cluster. Scripts are called by SHA and
 * sent in full on NOSCRIPT (first use on a node, after a restart, a failover or SCRIPT FLUSH),
 * which also caches them on that node; preload() caches them on every master up front.
 */
export class IoredisTransport implements RedisTransport {
  readonly client: Redis | Cluster;

  constructor(client: Redis | Cluster) {
    this.client = client;
  }

  /** Loads scripts into the server's cache (every master's, for a cluster), checking SHAs. */
  async preload(scripts: Iterable<LuaScript>): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    for (const node of nodes) {
      for (const script of scripts) {
        const sha = await node.script('LOAD', script.source);
        if (sha !== script.sha)
          throw new ScriptCallError(script.name, `server SHA ${String(sha)} != ${script.sha}`);
      }
    }
  }

  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    if (script.numKeys !== 'variable' && keys.length !== script.numKeys) {
      throw new ScriptCallError(script.name, `takes ${script.numKeys} KEYS, got ${keys.length}`);
    }
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw asScriptError(script, err);
    }
    try {
      return await this.client.eval(script.source, keys.length, ...keys, ...args);
    } catch (err) {
      throw asScriptError(script, err);
    }
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    const subscriber = this.client.duplicate();
    subscriber.on('error', () => {
      // reconnects by itself; messages published meanwhile are lost, which subscribers tolerate
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

/**
 * An error reply from Redis (a Lua error() or a failing command inside the script) becomes a
 * ScriptError naming the script; connection errors pass through as they are.
 */
function asScriptError(script: LuaScript, err: unknown): unknown {
  if (err instanceof Error && err.name === 'ReplyError')
    return new ScriptError(script.name, err.message, err);
  return err;
}

/**
 * Connection errors (ECONNREFUSED while ioredis reconnects, …): the commands they affect
 * reject on their own, so these are only worth a log line. Without a listener ioredis prints
 * "Unhandled error event" for each.
 */
export type ConnectionErrorListener = (err: Error) => void;

/**
 * Connects to one Redis server (`redis://host:port/db`). A first connection that fails
 * rejects with the connection's error (not ioredis's "Connection is closed").
 */
export async function connectRedis(
  url: string,
  options: RedisOptions = {},
  onError: ConnectionErrorListener = () => {},
): Promise<IoredisTransport> {
  const client = new Redis(url, { lazyConnect: true, ...options });
  return await connected(client, onError);
}

/** Connects to a Redis Cluster through its seed nodes. */
export async function connectCluster(
  nodes: readonly ClusterNode[],
  options: ClusterOptions = {},
  onError: ConnectionErrorListener = () => {},
): Promise<IoredisTransport> {
  const client = new Cluster([...nodes], { lazyConnect: true, ...options });
  return await connected(client, onError);
}

async function connected(
  client: Redis | Cluster,
  onError: ConnectionErrorListener,
): Promise<IoredisTransport> {
  let last: Error | null = null;
  client.on('error', (err: Error) => {
    last = err;
    onError(err);
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw last ?? err;
  }
  return new IoredisTransport(client);
}
