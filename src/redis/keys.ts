/**
 * Every Redis key of a queue shard. A shard is a hash-tag namespace `{<shard>}:…`, so all its keys
 * share one cluster slot and every script stays single-slot. No other module builds key strings.
 */
export class ShardKeys {
  readonly shard: string;
  readonly prefix: string;

  constructor(shard: string) {
    assertKeyPart('shard name', shard);
    this.shard = shard;
    this.prefix = `{${shard}}`;
  }

  /** Fills an unused KEYS slot; scripts recognise it by its ':-' ending. */
  placeholder(): string {
    return `${this.prefix}:-`;
  }
  /** HASH itemId -> item JSON. */
  items(): string {
    return `${this.prefix}:items`;
  }
  /** HASH itemId -> lease ULID (its time is the lease expiry). */
  leases(): string {
    return `${this.prefix}:leases`;
  }
  /** STRING: the expiry (ms) of a dequeued item's idempotency tombstone. */
  tombstone(itemId: string): string {
    return `${this.prefix}:seen:${itemId}`;
  }
  /** ZSET itemId -> score ms: a partition's ready items. */
  ready(pid: string): string {
    return `${this.prefix}:ready:${pid}`;
  }
  /** ZSET itemId -> lease expiry ms: a partition's leased items (the scavenger's index). */
  leased(pid: string): string {
    return `${this.prefix}:leased:${pid}`;
  }
  /** HASH pid -> partition JSON. */
  partitions(): string {
    return `${this.prefix}:partitions`;
  }
  /** ZSET pid -> next due ms: the global partition index. */
  globalPartitions(): string {
    return `${this.prefix}:pindex`;
  }
  /** ZSET accountId -> earliest partition score: the accounts index. */
  accounts(): string {
    return `${this.prefix}:accounts`;
  }
  /** ZSET pid -> next due ms: one account's partitions. */
  accountPartitions(accountId: string): string {
    return `${this.prefix}:account:${accountId}:pindex`;
  }
  /** ZSET pid -> earliest lease expiry ms: the scavenger's entry point. */
  scavenger(): string {
    return `${this.prefix}:scavenger`;
  }
  /** ZSET itemId -> lease expiry: items in progress for an account. */
  inProgressAccount(accountId: string): string {
    return `${this.prefix}:inprog:a:${accountId}`;
  }
  /** ZSET itemId -> lease expiry: items in progress for a partition (function or system queue). */
  inProgressPartition(pid: string): string {
    return `${this.prefix}:inprog:p:${pid}`;
  }
  /** ZSET itemId -> lease expiry: items in progress for a custom concurrency key. */
  inProgressCustom(canonicalKey: string): string {
    return `${this.prefix}:inprog:c:${canonicalKey}`;
  }
  /** STRING: GCRA state of a throttle key. */
  throttle(canonicalKey: string): string {
    return `${this.prefix}:throttle:${canonicalKey}`;
  }
  /** Pub/sub channel: a partition pointer moved earlier (new due work); idle processors wake. */
  wakeChannel(): string {
    return `${this.prefix}:wake`;
  }
  /** STRING: a role lease (scavenger, sequential). */
  role(name: string): string {
    return `${this.prefix}:role:${name}`;
  }
}

/** Key parts may not hold hash-tag braces, ':' or white space, nor be the placeholder '-'. */
export function assertKeyPart(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${what} must be a non-empty string`);
  if (value.length > 256) throw new TypeError(`${what} must be at most 256 characters`);
  if (/[{}:\s]/.test(value))
    throw new TypeError(
      `${what} may not contain '{', '}', ':' or white space: ${JSON.stringify(value)}`,
    );
  if (value === '-') throw new TypeError(`${what} may not be '-' (reserved for placeholder keys)`);
}
