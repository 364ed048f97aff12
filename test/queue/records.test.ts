import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnknownVersionError } from '../../src/core/errors.js';
import { decodeItem, encodeItem, ITEM_VERSION } from '../../src/queue/item.js';
import { decodePartition, encodePartition, PARTITION_VERSION } from '../../src/queue/partition.js';
import { ScriptError } from '../../src/redis/errors.js';
import { freshQueue, useRedis } from '../../testkit/redis-fixture.js';

const lua = (file: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'lua', 'includes', file), 'utf8');

describe('stored records carry a schema version', () => {
  const redis = useRedis();

  it('items and partitions are written with v and read back', () => {
    const { queue } = freshQueue(redis);
    const item = queue.buildItem({ kind: 'edge', accountId: 'a', functionId: 'f', id: 'x' });
    const json = encodeItem(item);
    expect(JSON.parse(json)).toMatchObject({ v: ITEM_VERSION, id: 'x' });
    expect(decodeItem(json)).toEqual(item);
    const p = encodePartition({ id: 'fn:a:f', accountId: 'a', functionId: 'f' });
    expect(JSON.parse(p)).toMatchObject({ v: PARTITION_VERSION, id: 'fn:a:f' });
    expect(decodePartition(p, 5)).toEqual({
      id: 'fn:a:f',
      accountId: 'a',
      functionId: 'f',
      score: 5,
    });
  });

  it('a record of an unknown version (or none) is refused with a clear, typed error', () => {
    const { queue } = freshQueue(redis);
    const stored = JSON.parse(
      encodeItem(queue.buildItem({ kind: 'edge', accountId: 'a', functionId: 'f' })),
    );
    for (const v of [2, undefined]) {
      const json = JSON.stringify({ ...stored, v });
      expect(() => decodeItem(json)).toThrow(UnknownVersionError);
      expect(() => decodeItem(json)).toThrow(/stored item has schema version .*this durq reads 1/);
    }
    const err = (() => {
      try {
        decodePartition(JSON.stringify({ v: 7, id: 'p' }), 0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'UNKNOWN_RECORD_VERSION', record: 'partition', version: 7 });
  });

  it('the Lua decoders know the same versions as TypeScript', () => {
    expect(lua('decode_item.lua')).toContain(`local ITEM_VERSION = ${ITEM_VERSION}\n`);
    expect(lua('item_version_known.lua')).toContain(`local ITEM_VERSION = ${ITEM_VERSION}\n`);
    expect(lua('decode_partition.lua')).toContain(
      `local PARTITION_VERSION = ${PARTITION_VERSION}\n`,
    );
  });

  it('a script refuses to edit an item of an unknown version, naming the script and the item', async () => {
    const { queue, shard } = freshQueue(redis);
    const { item } = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      id: 'old',
    });
    const lease = await shard.lease(item, { durationMs: 5000 });
    expect(lease.ok).toBe(true);
    if (!lease.ok) return;
    const newer = JSON.stringify({ ...JSON.parse(encodeItem(item)), v: 2 });
    await redis.raw.hset(shard.keys.items(), 'old', newer);
    const err = await shard
      .requeue(item, lease.leaseId, { at: 0, consumeAttempt: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect(err).toMatchObject({ script: 'requeue' });
    expect(String((err as Error).message)).toMatch(
      /item old has schema version 2, this durq knows 1/,
    );
    // Nothing was written: the item is still leased, as it was.
    expect(await shard.getLeaseId('old')).toBe(lease.leaseId);
  });

  it('a partition of an unknown version stops its scripts the same way', async () => {
    const { queue, shard } = freshQueue(redis);
    await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'f', id: 'p1' });
    const pid = 'fn:a:f';
    await redis.raw.hset(shard.keys.partitions(), pid, JSON.stringify({ v: 2, id: pid }));
    const err = await shard
      .leasePartition({ id: pid, accountId: 'a', functionId: 'f' }, 1000)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect(String((err as Error).message)).toMatch(
      /partitionLease.*partition fn:a:f has schema version 2/,
    );
  });

  it('an unknown version stops a script before its first write: nothing is half written', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const base = { kind: 'edge' as const, accountId: 'a', functionId: 'f' };
    const { item } = await queue.enqueue({ ...base, id: 'old' });
    const lease = await shard.lease(item, { durationMs: 1000 });
    expect(lease.ok).toBe(true);
    // The scavenger meets an expired item a newer durq wrote: it leaves it as it was.
    await redis.raw.hset(
      shard.keys.items(),
      'old',
      JSON.stringify({ ...JSON.parse(encodeItem(item)), v: 2 }),
    );
    clock.advance(2000);
    const err = await shard.scavenge().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', script: 'scavengePartition' });
    expect(await shard.getLeaseId('old')).not.toBeNull();
    expect(await redis.raw.zscore(shard.keys.leased(item.partitionId), 'old')).not.toBeNull();
    // An enqueue into a partition a newer durq wrote stores nothing.
    const pid = item.partitionId;
    await redis.raw.hset(shard.keys.partitions(), pid, JSON.stringify({ v: 2, id: pid }));
    const enq = await queue.enqueue({ ...base, id: 'new' }).catch((e: unknown) => e);
    expect(enq).toMatchObject({ code: 'SCRIPT_FAILED', script: 'enqueue' });
    expect(await redis.raw.hexists(shard.keys.items(), 'new')).toBe(0);
    expect(await redis.raw.zscore(shard.keys.ready(pid), 'new')).toBeNull();
  });

  it('dequeue and dequeueBatch check the partition before they remove anything', async () => {
    const { queue, shard } = freshQueue(redis);
    const base = { kind: 'edge' as const, accountId: 'a', functionId: 'f' };
    const { item } = await queue.enqueue({ ...base, id: 'x' });
    const lease = await shard.lease(item, { durationMs: 5000 });
    if (!lease.ok) throw new Error('lease refused');
    const pid = item.partitionId;
    await redis.raw.hset(shard.keys.partitions(), pid, JSON.stringify({ v: 2, id: pid }));
    for (const call of [
      () => shard.dequeue(item, lease.leaseId),
      () => shard.dequeueBatch([{ item, leaseId: lease.leaseId }]),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SCRIPT_FAILED' });
      expect(await redis.raw.hexists(shard.keys.items(), 'x')).toBe(1);
      expect(await shard.getLeaseId('x')).toBe(lease.leaseId);
      expect(await redis.raw.get(shard.keys.tombstone('x'))).toBeNull();
    }
  });

  it('a one-call pass leases no item of an unknown version', async () => {
    const { queue, shard, clock } = freshQueue(redis);
    const { item } = await queue.enqueue({
      kind: 'edge',
      accountId: 'a',
      functionId: 'f',
      id: 'z',
    });
    const newer = { ...JSON.parse(encodeItem(item)), v: 2 };
    await redis.raw.hset(shard.keys.items(), 'z', JSON.stringify(newer));
    const p = { id: item.partitionId, accountId: 'a', functionId: 'f' };
    const err = await shard
      .passPartition(p, {
        want: 5,
        untilMs: clock.now() + 1000,
        leaseMs: 5000,
        concurrencyRequeueMs: 1000,
        requeueAt: clock.now() + 1000,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', script: 'partitionPass' });
    expect(String((err as Error).message)).toMatch(/item z has a schema version/);
    expect(await shard.getLeaseId('z')).toBeNull();
    expect(await redis.raw.zscore(shard.keys.ready(item.partitionId), 'z')).not.toBeNull();
  });
});
