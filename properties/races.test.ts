import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, Queue, QueueShard, seededRandom, type QueueItem } from '../src/internal.js';
import { readShardState, shardViolations } from '../testkit/shard-state.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { propertyParams } from './settings.js';

/**
 * Several leasers and completers race on the same items; fc.scheduler decides the order in which
 * their calls are issued (Redis runs each call atomically, in arrival order). Under every explored
 * interleaving: never two holders of one item, never more live leases than a limit: the function
 * limit (items i0-i3 in f, i4-i5 in g), the account limit (all six in account a) and a custom key
 * (the odd items).
 */
describe('races', () => {
  const redis = useRedis();
  let run = 0;

  it('no interleaving of leases, batch leases, dequeues and requeues breaks exclusivity or limits', async () => {
    const action = fc.record({
      op: fc.constantFrom('lease', 'batch', 'dequeue', 'requeue', 'advance'),
      item: fc.nat(5),
      worker: fc.nat(3),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(action, { minLength: 4, maxLength: 30 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        async (s, actions, fnLimit, accountLimit) => {
          const clock = new ManualClock(T0);
          const shard = new QueueShard({
            name: `race-${process.pid}-${++run}`,
            transport: redis.transport,
            clock,
            random: seededRandom(run),
          });
          const queue = new Queue({ shards: [shard], clock, random: seededRandom(run + 1) });
          const items: QueueItem[] = [];
          for (let i = 0; i < 6; i++) {
            const functionId = i < 4 ? 'f' : 'g';
            const input = { kind: 'edge' as const, accountId: 'a', functionId, id: `i${i}` };
            const customKeys = [{ scope: 'account' as const, key: 'k', limit: 1 }];
            items.push((await queue.enqueue(i % 2 ? { ...input, customKeys } : input)).item);
          }
          const held = new Map<string, { worker: number; leaseId: string; expiresAt: number }>();
          const check = (granted: string, worker: number, leaseId: string, expiresAt: number) => {
            // Judge at the time the lease was granted (expiry - duration), not at the reply:
            // the clock may have advanced while the call was in flight.
            const at = expiresAt - 1000;
            const prev = held.get(granted);
            if (prev && prev.expiresAt > at)
              throw new Error(
                `${granted} leased by worker ${worker} while worker ${prev.worker} holds it`,
              );
            held.set(granted, { worker, leaseId, expiresAt });
            const live = [...held.entries()].filter(([, h]) => h.expiresAt > at);
            const inF = live.filter(([id]) => Number(id.slice(1)) < 4);
            expect(inF.length).toBeLessThanOrEqual(fnLimit);
            expect(live.length - inF.length).toBeLessThanOrEqual(fnLimit);
            expect(live.length).toBeLessThanOrEqual(accountLimit);
            const keyHolders = live.filter(([id]) => Number(id.slice(1)) % 2 === 1);
            expect(keyHolders.length).toBeLessThanOrEqual(1);
          };
          const limits = { function: fnLimit, account: accountLimit };
          const tasks = actions.map(({ op, item, worker }) =>
            s.schedule(Promise.resolve(op)).then(async () => {
              const it = items[item]!;
              const mine = held.get(it.id);
              if (op === 'lease') {
                const r = await shard.lease(it, { durationMs: 1000, limits });
                if (r.ok) check(it.id, worker, r.leaseId, r.expiresAt);
              } else if (op === 'batch') {
                const sameFn = items.filter((x) => x.functionId === it.functionId);
                const batch = sameFn.slice(sameFn.indexOf(it), sameFn.indexOf(it) + 3);
                const rs = await shard.leaseBatch(batch, { durationMs: 1000, limits });
                rs.forEach((r, k) => r.ok && check(batch[k]!.id, worker, r.leaseId, r.expiresAt));
              } else if (op === 'dequeue' && mine) {
                const r = await shard.dequeue(it, mine.leaseId);
                if (r.ok) held.delete(it.id);
              } else if (op === 'requeue' && mine) {
                const r = await shard.requeue(it, mine.leaseId, {
                  at: clock.now(),
                  consumeAttempt: false,
                });
                if (r.ok) held.delete(it.id);
              } else if (op === 'advance') {
                clock.advance(400);
              }
            }),
          );
          await s.waitAll();
          await Promise.all(tasks);
          const state = await readShardState(redis.raw, shard.keys);
          expect(shardViolations(state, shard.keys, clock.now())).toEqual([]);
        },
      ),
      propertyParams(150),
    );
  }, 240_000);
});
