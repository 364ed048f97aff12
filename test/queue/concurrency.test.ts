import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { EnqueueInput, QueueItem } from '../../src/queue/item.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import type { ConcurrencyLimits } from '../../src/queue/shard/lease-common.js';
import { seededRandom } from '../../src/core/random.js';
import { connectRedis, type IoredisTransport } from '../../src/redis/ioredis-transport.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';

const CONNECTIONS = 4;
const L = 5;

describe('concurrency limits hold across connections racing to lease', () => {
  const redis = useRedis();
  const transports: IoredisTransport[] = [];
  let counter = 0;

  beforeAll(async () => {
    for (let i = 0; i < CONNECTIONS; i++) transports.push(await connectRedis(redis.server.url));
  });
  afterAll(async () => {
    for (const t of transports) await t.close();
  });

  /** One shard name seen through CONNECTIONS independent connections, sharing a manual clock. */
  function shardViews() {
    const clock = new ManualClock(T0);
    const name = `conc-${process.pid}-${++counter}`;
    const shards = transports.map(
      (transport, i) => new QueueShard({ name, transport, clock, random: seededRandom(i) }),
    );
    const queue = new Queue({ shards: [shards[0]!], clock, random: seededRandom(99) });
    return { clock, shards, queue };
  }

  /** Every connection tries to lease every item, all at once; returns the granted leases. */
  async function race(shards: QueueShard[], items: QueueItem[], limits: ConcurrencyLimits) {
    const attempts = shards.flatMap((shard, c) =>
      items.map((item, i) => ({ shard, item, order: (i * 7 + c * 13) % items.length })),
    );
    attempts.sort((a, b) => a.order - b.order);
    const results = await Promise.all(
      attempts.map(async ({ shard, item }) => ({
        item,
        r: await shard.lease(item, { durationMs: 10_000, limits }),
      })),
    );
    return results
      .filter((x) => x.r.ok)
      .map((x) => ({ item: x.item, leaseId: (x.r as { leaseId: string }).leaseId }));
  }

  const cases: [string, (i: number) => EnqueueInput, ConcurrencyLimits][] = [
    [
      'function limit',
      () => ({ kind: 'edge', accountId: 'a1', functionId: 'f1' }),
      { function: L },
    ],
    [
      'account limit',
      (i) => ({ kind: 'edge', accountId: 'a1', functionId: `f${i % 3}` }),
      { account: L },
    ],
    [
      'custom key, fn scope',
      () => ({
        kind: 'edge',
        accountId: 'a1',
        functionId: 'f1',
        customKeys: [{ scope: 'fn', key: 'user-1', limit: L }],
      }),
      {},
    ],
    [
      'custom key, env scope (shared across functions)',
      (i) => ({
        kind: 'edge',
        accountId: 'a1',
        envId: 'prod',
        functionId: `f${i % 3}`,
        customKeys: [{ scope: 'env', key: 'user-1', limit: L }],
      }),
      {},
    ],
    [
      'custom key, account scope (shared across functions), as second key',
      (i) => ({
        kind: 'edge',
        accountId: 'a1',
        functionId: `f${i % 3}`,
        customKeys: [
          { scope: 'fn', key: 'other', limit: 1000 },
          { scope: 'account', key: 'user-1', limit: L },
        ],
      }),
      {},
    ],
  ];

  it.each(cases)(
    '%s: 3L racing leases yield exactly L until one is dequeued or expires',
    async (_, input, limits) => {
      const { clock, shards, queue } = shardViews();
      const items: QueueItem[] = [];
      for (let i = 0; i < 3 * L; i++) items.push((await queue.enqueue(input(i))).item);

      const granted = await race(shards, items, limits);
      expect(granted).toHaveLength(L);
      expect(new Set(granted.map((g) => g.item.id)).size).toBe(L);
      await expectHealthy(redis.raw, shards[0]!.keys, clock.now());

      const waiting = items.filter((i) => !granted.some((g) => g.item.id === i.id));
      expect(await race(shards, waiting, limits)).toHaveLength(0);

      expect(await shards[1]!.dequeue(granted[0]!.item, granted[0]!.leaseId)).toEqual({ ok: true });
      const one = await race(shards, waiting, limits);
      expect(one).toHaveLength(1);

      clock.advance(10_000);
      const rest = waiting.filter((i) => i.id !== one[0]!.item.id);
      const afterExpiry = await race(shards, rest, limits);
      expect(afterExpiry).toHaveLength(L);
      await expectHealthy(redis.raw, shards[0]!.keys, clock.now());
    },
  );
});
