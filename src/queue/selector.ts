import { InvalidOptionError } from '../core/errors.js';

/**
 * Picks a shard for an account: FNV-1a of the ID modulo the shard count. Deterministic, so every
 * process agrees without coordination; adding shards remaps accounts (drain before resharding).
 */
export function shardIndexFor(key: string, shardCount: number): number {
  if (!Number.isSafeInteger(shardCount) || shardCount < 1)
    throw new InvalidOptionError('shardCount', `must be an integer >= 1, got ${shardCount}`);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}
