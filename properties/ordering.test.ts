import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, seededRandom, ulid } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { propertyParams } from './settings.js';

describe('ordering', () => {
  const redis = useRedis();
  let run = 0;

  function setup() {
    const clock = new ManualClock(T0);
    const shard = new QueueShard({
      name: `order-${process.pid}-${++run}`,
      transport: redis.transport,
      clock,
      random: seededRandom(run),
    });
    return {
      clock,
      shard,
      queue: new Queue({ shards: [shard], clock, random: seededRandom(run + 7) }),
    };
  }
  const P = { id: 'fn:a:f', accountId: 'a', functionId: 'f' };

  it('FIFO: a partition leases its due items in score order, whatever the enqueue order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -60_000, max: 60_000 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (offsets, batch) => {
          const { clock, shard, queue } = setup();
          for (const [i, o] of offsets.entries())
            await queue.enqueue({
              kind: 'sleep',
              accountId: 'a',
              functionId: 'f',
              id: `i${i}`,
              at: T0 + 60_000 + o,
            });
          clock.advance(200_000);
          const order: number[] = [];
          // At most one pass per item: a refusal must fail the property, not hang it.
          for (let pass = 0; pass <= offsets.length; pass++) {
            const peeked = await shard.peek(P, clock.now(), batch);
            if (peeked.length === 0) break;
            const rs = await shard.leaseBatch(
              peeked.map((p) => p.item),
              { durationMs: 60_000 },
            );
            peeked.forEach((p, k) => rs[k]!.ok && order.push(p.score));
          }
          // The scores the offsets imply, in order: not the scores peek reported about itself.
          const expected = offsets.map((o) => T0 + 60_000 + o).sort((a, b) => a - b);
          expect(order).toEqual(expected);
        },
      ),
      propertyParams(100),
    );
  }, 120_000);

  it('a FIFO batch stops at the first function or account limit; custom-key refusals let later items through', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        async (keyed, fnLimit, accountLimit, otherLeased, fifo) => {
          const { shard, queue } = setup();
          const limits = { function: fnLimit, account: accountLimit };
          // Items of another function of the account, leased first: they count for the account.
          for (let j = 0; j < otherLeased; j++) {
            const { item } = await queue.enqueue({ kind: 'edge', accountId: 'a', functionId: 'g' });
            await shard.lease(item, { durationMs: 60_000 });
          }
          for (const [i, k] of keyed.entries()) {
            const customKeys = k ? [{ scope: 'fn' as const, key: 'k', limit: 1 }] : undefined;
            await queue.enqueue({
              kind: 'sleep',
              accountId: 'a',
              functionId: 'f',
              id: `i${i}`,
              at: T0 - 1000 + i,
              ...(customKeys ? { customKeys } : {}),
            });
          }
          const peeked = await shard.peek(P, T0, keyed.length);
          expect(peeked.map((p) => p.item.id)).toEqual(keyed.map((_, i) => `i${i}`));
          const rs = await shard.leaseBatch(
            peeked.map((p) => p.item),
            { durationMs: 60_000, limits, fifo },
          );
          // The reference: checks in lease order (custom key, function, account); a FIFO batch
          // stops at the first function or account refusal.
          let [fn, account, key, stopped] = [0, otherLeased, 0, false];
          const expected = keyed.map((k) => {
            if (stopped) return 'not-attempted';
            if (k && key >= 1) return 'custom-key-1-limit';
            const refusal =
              fn >= fnLimit ? 'function-limit' : account >= accountLimit ? 'account-limit' : null;
            if (refusal) {
              stopped = fifo;
              return refusal;
            }
            fn++;
            account++;
            if (k) key++;
            return 'ok';
          });
          expect(rs.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(expected);
        },
      ),
      propertyParams(150),
    );
  }, 120_000);

  it('a priority factor moves due start/edge items ahead by its seconds; sleeps keep their run start', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: -43_200, max: 43_200 }),
        fc.constantFrom('start', 'edge', 'edge-error', 'sleep'),
        async (runAgeMs, factorS, kind) => {
          const { shard, queue } = setup();
          const runId = ulid(T0 - runAgeMs, seededRandom(runAgeMs));
          const { item } = await queue.enqueue({
            kind,
            accountId: 'a',
            functionId: 'f',
            runId,
            priorityFactorS: factorS,
          });
          const moved = kind === 'sleep' ? 0 : factorS * 1000;
          expect(item.score).toBe(T0 - runAgeMs - moved);
          const [peeked] = await shard.peek(P, Number.MAX_SAFE_INTEGER, 1);
          expect(peeked?.score).toBe(item.score);
        },
      ),
      propertyParams(100),
    );
  }, 120_000);

  it('of two due items of one run, the one with the higher priority factor is leased first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: -100, max: 100 }),
        async (fa, fb) => {
          fc.pre(fa !== fb);
          const { shard, queue } = setup();
          const runId = ulid(T0 - 1000, seededRandom(1));
          await queue.enqueue({
            kind: 'edge',
            accountId: 'a',
            functionId: 'f',
            id: 'a',
            runId,
            priorityFactorS: fa,
          });
          await queue.enqueue({
            kind: 'edge',
            accountId: 'a',
            functionId: 'f',
            id: 'b',
            runId,
            priorityFactorS: fb,
          });
          const [first] = await shard.peek(P, Number.MAX_SAFE_INTEGER, 1);
          expect(first?.item.id).toBe(fa > fb ? 'a' : 'b');
        },
      ),
      propertyParams(50),
    );
  }, 120_000);

  it('partition peek returns exactly the due partitions, and random pages cover them all', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (offsets, pageSize) => {
          const { clock, shard, queue } = setup();
          clock.advance(10_000);
          const now = clock.now();
          for (const [i, o] of offsets.entries())
            await queue.enqueue({
              kind: 'sleep',
              accountId: 'a',
              functionId: `f${i}`,
              at: now + o,
            });
          const due = offsets
            .map((o, i) => [o, `fn:a:f${i}`] as const)
            .filter(([o]) => o <= 0)
            .map(([, p]) => p)
            .sort();
          const all = await shard.peekPartitions({ untilMs: now, limit: 100, order: 'score' });
          expect(all.due).toBe(due.length);
          expect(all.partitions.map((p) => p.id).sort()).toEqual(due);
          const seen = new Set<string>();
          for (let i = 0; i < 40 && seen.size < due.length; i++) {
            const page = await shard.peekPartitions({
              untilMs: now,
              limit: pageSize,
              order: 'random',
            });
            expect(page.partitions.length).toBe(Math.min(pageSize, due.length));
            for (const p of page.partitions) seen.add(p.id);
          }
          expect([...seen].sort()).toEqual(due);
        },
      ),
      propertyParams(60),
    );
  }, 120_000);
});
