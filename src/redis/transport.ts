/** An argument to a script: strings pass through, numbers are sent in decimal. */
export type ScriptArg = string | number;

/** The names of the scripts in lua/ (file `<name>-<numKeys>.lua`). A test keeps this list true. */
export const SCRIPT_NAMES = [
  'enqueue',
  'peek',
  'peekByScore',
  'partitionPeek',
  'partitionLease',
  'partitionRequeue',
  'partitionPass',
  'lease',
  'leaseBatch',
  'extendLease',
  'dequeue',
  'dequeueBatch',
  'requeue',
  'scavengePartition',
  'roleLease',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/**
 * The one way queue code reaches Redis. Production wraps ioredis (standalone or cluster); the
 * simulator wraps the same with a scheduler that orders, delays, drops or fails each call.
 */
export interface RedisTransport {
  /** Runs a script by name with its KEYS and ARGV; resolves to the script's raw reply. */
  runScript(
    name: ScriptName,
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
