import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { ManualClock } from '../../src/core/clock.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { connectCluster, type IoredisTransport } from '../../src/redis/ioredis-transport.js';
import type { LuaScript } from '../../src/redis/script.js';
import type { RedisTransport } from '../../src/redis/transport.js';
import { QUEUE_SCRIPTS } from '../../src/queue/shard/scripts.js';
import { startRedisCluster, type RedisCluster } from '../../testkit/redis-cluster.js';
import { T0 } from '../../testkit/redis-fixture.js';

/** Records which scripts ran, so the test can prove it exercised every one. */
class RecordingTransport implements RedisTransport {
  readonly ran = new Set<string>();
  constructor(private readonly inner: RedisTransport) {}
  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    this.ran.add(script.name);
    return this.inner.runScript(script, keys, args);
  }
  hget(key: string, field: string): Promise<string | null> {
    return this.inner.hget(key, field);
  }
  subscribe(channel: string, onMessage: (m: string) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe(channel, onMessage);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('Redis Cluster: two shards on a local 3-master cluster', () => {
  let cluster: RedisCluster;
  let transport: IoredisTransport;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    transport = await connectCluster(cluster.nodes);
    client = transport.client as Cluster;
  }, 60_000);
  afterAll(async () => {
    await transport?.close();
    await cluster?.stop();
  });

  /** Two shard names whose hash tags live on different masters. */
  async function namesOnDifferentMasters(): Promise<[string, string]> {
    const slots = (await client.cluster('SLOTS')) as unknown as [
      number,
      number,
      [string, number],
    ][];
    const ownerOf = (slot: number) => slots.find(([lo, hi]) => slot >= lo && slot <= hi)?.[2][1];
    const first = 'shard-0';
    const firstOwner = ownerOf(Number(await client.cluster('KEYSLOT', `{${first}}`)));
    for (let i = 1; i < 100; i++) {
      const name = `shard-${i}`;
      if (ownerOf(Number(await client.cluster('KEYSLOT', `{${name}}`))) !== firstOwner)
        return [first, name];
    }
    throw new Error('no second shard name on another master');
  }

  it('runs every script without CROSSSLOT; each shard keeps its keys in its tag slot', async () => {
    const clock = new ManualClock(T0);
    const random = seededRandom(5);
    const recorder = new RecordingTransport(transport);
    const names = await namesOnDifferentMasters();
    const shards = names.map(
      (name) => new QueueShard({ name, transport: recorder, clock, random }),
    );
    const queue = new Queue({ shards, clock, random });

    const accounts = ['acct-a', 'acct-b', 'acct-c', 'acct-d', 'acct-e', 'acct-f'];
    for (const accountId of accounts) {
      for (let i = 0; i < 8; i++) {
        await queue.enqueue({
          kind: 'start',
          accountId,
          functionId: `${accountId}-fn${i % 2}`,
          customKeys: [{ scope: 'account', key: 'k', limit: 10 }],
          throttle: { limit: 100, periodMs: 1000 },
        });
      }
      await queue.enqueue({ kind: 'cron', queueName: `cron-${accountId}`, accountId });
    }
    const usedShards = new Set(accounts.map((a) => queue.shardFor(a).name));
    expect(usedShards.size).toBe(2);

    for (const shard of shards) {
      const accountsDue = await shard.peekAccounts({
        untilMs: T0 + 1000,
        limit: 10,
        order: 'random',
      });
      expect(accountsDue.accounts.length).toBeGreaterThan(0);
      const { partitions } = await shard.peekPartitions({
        untilMs: T0 + 1000,
        limit: 100,
        order: 'score',
      });
      for (const p of partitions) {
        const pl = await shard.leasePartition(p, 4000);
        expect(pl.ok).toBe(true);
        const items = (await shard.peek(p, T0 + 1000, 10)).map((x) => x.item);
        const [single, ...rest] = items;
        const leases = [
          await shard.lease(single!, { durationMs: 5000 }),
          ...(await shard.leaseBatch(rest, { durationMs: 5000 })),
        ];
        expect(leases.every((l) => l.ok)).toBe(true);
        const ids = leases.map((l) => (l as { leaseId: string }).leaseId);
        const extended = await shard.extendLease(single!, ids[0]!, 5000);
        expect(extended.ok).toBe(true);
        if (rest.length > 0) {
          // requeue one, batch-dequeue the middle, leave the last leased for the scavenger
          expect(await shard.requeue(rest[0]!, ids[1]!, { at: T0, consumeAttempt: true })).toEqual({
            ok: true,
          });
          const middle = rest.slice(1, -1).map((item, i) => ({ item, leaseId: ids[i + 2]! }));
          expect((await shard.dequeueBatch(middle)).every((r) => r.ok)).toBe(true);
        }
        expect(await shard.dequeue(single!, (extended as { leaseId: string }).leaseId)).toEqual({
          ok: true,
        });
        expect(
          await shard.requeuePartition(p, {
            at: T0 + 1000,
            leaseId: (pl as { leaseId: string }).leaseId,
          }),
        ).not.toBe('lease-mismatch');
      }
      clock.advance(6000);
      expect((await shard.scavenge()).itemIds.length).toBeGreaterThan(0);
      const pass = await shard.passPartition(partitions[0]!, {
        want: 10,
        untilMs: clock.now() + 1000,
        leaseMs: 5000,
        concurrencyRequeueMs: 1000,
        requeueAt: clock.now() + 1000,
      });
      expect(['ok', 'constrained']).toContain(pass.status); // ran in the tag slot either way
      const role = await shard.leaseRole('scavenger', 1000, null);
      expect(role.ok).toBe(true);
      expect(await shard.countItems()).toBeGreaterThan(0);
    }
    expect([...recorder.ran].sort()).toEqual(Object.keys(QUEUE_SCRIPTS).sort());

    for (const shard of shards) {
      const tagSlot = Number(await client.cluster('KEYSLOT', `{${shard.name}}`));
      const keys: string[] = [];
      for (const node of client.nodes('master'))
        keys.push(...(await node.keys(`{${shard.name}}:*`)));
      expect(keys.length).toBeGreaterThan(3);
      for (const key of keys) expect(Number(await client.cluster('KEYSLOT', key))).toBe(tagSlot);
    }
  }, 60_000);
});
