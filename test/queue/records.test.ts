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
});
