import type { LuaScript } from './script.js';

/** An argument to a script: strings pass through, numbers are sent in decimal. */
export type ScriptArg = string | number;

/**
 * The one way layers above reach Redis. Production wraps ioredis (standalone or cluster); the
 * simulator wraps the same with a scheduler that orders, delays, drops or fails each call.
 */
export interface RedisTransport {
  /**
   * Runs a script with its KEYS and ARGV (by SHA, sending the source when the server lacks it);
   * resolves to the script's raw reply. A Lua error() rejects with a ScriptError naming it.
   */
  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown>;
  /**
   * Subscribes to a pub/sub channel on a connection of its own; messages arrive until the
   * returned function is called.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** HGET: a field of a hash, or null. */
  hget(key: string, field: string): Promise<string | null>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}
