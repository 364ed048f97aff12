import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import type { EnqueueInput } from '../../src/queue/item.js';
import { createProcessor, type Processor } from '../../src/queue/processor/processor.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { expectHealthy } from '../../testkit/shard-state.js';
import { waitUntil } from '../helpers/wait.js';

async function enqueueAll(queue: Queue, inputs: EnqueueInput[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 1000) {
    await Promise.all(inputs.slice(i, i + 1000).map((input) => queue.enqueue(input)));
  }
}

describe('limits end to end', () => {
  const redis = useRedis();

  it('concurrency seen inside handlers never exceeds the function, account or custom-key limit', async () => {
    const clock = new SystemClock();
    const name = `limits-${process.pid}`;
    const shard = new QueueShard({
      name,
      transport: redis.transport,
      clock,
      random: seededRandom(1),
    });
    const queue = new Queue({ shards: [shard], clock, random: seededRandom(2) });
    const FN = 3;
    const ACCOUNT = 5;
    const KEY = 2;
    const inputs: EnqueueInput[] = [];
    for (let i = 0; i < 600; i++) {
      inputs.push({
        kind: 'edge',
        accountId: `a${i % 2}`,
        functionId: `f${i % 4}`,
        payload: { user: `u${i % 3}` },
        customKeys: [{ scope: 'account', key: `u${i % 3}`, limit: KEY }],
      });
    }
    await enqueueAll(queue, inputs);
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const bump = (key: string, d: number) => {
      const v = (inFlight.get(key) ?? 0) + d;
      inFlight.set(key, v);
      peak.set(key, Math.max(peak.get(key) ?? 0, v));
    };
    const processors: Processor[] = [];
    for (let p = 0; p < 3; p++) {
      processors.push(
        await createProcessor({
          queue: new Queue({ shards: [shard], clock, random: seededRandom(10 + p) }),
          concurrency: 20,
          limits: { function: () => FN, account: () => ACCOUNT },
          concurrencyRequeueMs: 50,
          handler: async (item, ctx) => {
            const user = (ctx.payload as { user: string }).user;
            const keys = [
              `fn:${item.accountId}/${item.functionId}`,
              `account:${item.accountId}`,
              `key:${item.accountId}/${user}`,
            ];
            keys.forEach((k) => bump(k, 1));
            await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 4)));
            keys.forEach((k) => bump(k, -1));
          },
        }),
      );
    }
    await waitUntil(
      () => processors.reduce((s, p) => s + p.stats.succeeded, 0) === 600,
      60_000,
      'all 600 items',
    );
    await Promise.all(processors.map((p) => p.close()));
    const over = [...peak].filter(
      ([k, v]) => v > (k.startsWith('fn:') ? FN : k.startsWith('account:') ? ACCOUNT : KEY),
    );
    expect(over).toEqual([]);
    // The limits were actually reached, so the check above had something to hold back.
    expect(Math.max(...[...peak].filter(([k]) => k.startsWith('account:')).map(([, v]) => v))).toBe(
      ACCOUNT,
    );
    expect(Math.max(...[...peak].filter(([k]) => k.startsWith('key:')).map(([, v]) => v))).toBe(
      KEY,
    );
    await expectHealthy(redis.raw, shard.keys, clock.now());
  }, 90_000);
});

describe('fairness across accounts', () => {
  const redis = useRedis();

  it('nine small accounts finish before 10% of a 50,000-item account backlog is processed', async () => {
    const clock = new SystemClock();
    const name = `fair-${process.pid}`;
    const shard = new QueueShard({
      name,
      transport: redis.transport,
      clock,
      random: seededRandom(3),
    });
    const queue = new Queue({ shards: [shard], clock, random: seededRandom(4) });
    const big: EnqueueInput[] = Array.from({ length: 50_000 }, (_, i) => ({
      kind: 'edge',
      accountId: 'big',
      functionId: `f${i % 10}`,
    }));
    const small: EnqueueInput[] = [];
    for (let a = 0; a < 9; a++)
      for (let i = 0; i < 100; i++)
        small.push({ kind: 'edge', accountId: `small${a}`, functionId: 'f' });
    await enqueueAll(queue, big);
    await enqueueAll(queue, small);
    let bigStarted = 0;
    let smallStarted = 0;
    let bigWhenSmallDone = -1;
    const processor = await createProcessor({
      queue,
      concurrency: 100,
      handler: async (item) => {
        if (item.accountId === 'big') bigStarted++;
        else if (++smallStarted === small.length) bigWhenSmallDone = bigStarted;
      },
    });
    await waitUntil(() => bigWhenSmallDone >= 0, 60_000, 'every small-account item to start');
    await processor.close();
    const fraction = bigWhenSmallDone / big.length;
    console.log(
      `fairness: all 900 small-account items started after ${bigWhenSmallDone} of 50,000 big-account items (${(fraction * 100).toFixed(2)}%)`,
    );
    expect(fraction).toBeLessThan(0.1);
  }, 120_000);
});
