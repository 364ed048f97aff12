import { assertKeyPart, KeyNamespace } from '../redis/key-namespace.js';

/**
 * Every Redis key of a queue shard, by what it holds. A shard is a hash-tag namespace
 * `{<shard>}:…` (see KeyNamespace), so all its keys share one cluster slot.
 */
export class ShardKeys {
  readonly shard: string;
  readonly prefix: string;
  private readonly ns: KeyNamespace;

  constructor(shard: string) {
    assertKeyPart('shard name', shard);
    this.ns = new KeyNamespace(shard);
    this.shard = shard;
    this.prefix = this.ns.prefix;
  }

  /** Fills an unused KEYS slot; scripts recognise it by its ':-' ending. */
  placeholder(): string {
    return this.ns.placeholder();
  }
  /** HASH itemId -> item JSON. */
  items(): string {
    return this.ns.key('items');
  }
  /** HASH itemId -> lease ULID (its time is the lease expiry). */
  leases(): string {
    return this.ns.key('leases');
  }
  /** STRING: the expiry (ms) of a dequeued item's idempotency tombstone. */
  tombstone(itemId: string): string {
    return this.ns.key('seen', itemId);
  }
  /** ZSET itemId -> score ms: a partition's ready items. */
  ready(pid: string): string {
    return this.ns.key('ready', pid);
  }
  /** ZSET itemId -> lease expiry ms: a partition's leased items (the scavenger's index). */
  leased(pid: string): string {
    return this.ns.key('leased', pid);
  }
  /** HASH pid -> partition JSON. */
  partitions(): string {
    return this.ns.key('partitions');
  }
  /** ZSET pid -> next due ms: the global partition index. */
  globalPartitions(): string {
    return this.ns.key('pindex');
  }
  /** ZSET accountId -> earliest partition score: the accounts index. */
  accounts(): string {
    return this.ns.key('accounts');
  }
  /** ZSET pid -> next due ms: one account's partitions. */
  accountPartitions(accountId: string): string {
    return this.ns.key('account', accountId, 'pindex');
  }
  /** ZSET pid -> earliest lease expiry ms: the scavenger's entry point. */
  scavenger(): string {
    return this.ns.key('scavenger');
  }
  /** ZSET itemId -> lease expiry: items in progress for an account. */
  inProgressAccount(accountId: string): string {
    return this.ns.key('inprog', 'a', accountId);
  }
  /** ZSET itemId -> lease expiry: items in progress for a partition (function or system queue). */
  inProgressPartition(pid: string): string {
    return this.ns.key('inprog', 'p', pid);
  }
  /** ZSET itemId -> lease expiry: items in progress for a custom concurrency key. */
  inProgressCustom(canonicalKey: string): string {
    return this.ns.key('inprog', 'c', canonicalKey);
  }
  /** STRING: GCRA state of a throttle key. */
  throttle(canonicalKey: string): string {
    return this.ns.key('throttle', canonicalKey);
  }
  /** Pub/sub channel: a partition pointer moved earlier (new due work); idle processors wake. */
  wakeChannel(): string {
    return this.ns.key('wake');
  }
  /** STRING: a role lease (scavenger, sequential). */
  role(name: string): string {
    return this.ns.key('role', name);
  }
}
