import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { decodeItem, itemIdOf, sendEvents, type QueueShard } from '../src/internal.js';
import { T0, useRedis } from '../testkit/redis-fixture.js';
import { OneSlot } from './run-lifecycle/world.js';
import { executorContext } from './executor-context.js';
import {
  APP_URL,
  BATCH,
  CRON,
  CRON_APP_URL,
  DEBOUNCE,
  FN,
  TRIGGER,
  timersTransport,
} from './flow-timers/app.js';
import { propertyParams } from './settings.js';

/**
 * Debounce, batchEvents and cron through the real executor on real Redis, the queue's items run
 * one at a time by the one-slot processor (in an order the property picks; some acks lost, so
 * the item runs again after its lease). Before each event, every item due has run: so the model
 * knows, from the config and the event times alone, which debounce window and which batch is
 * still open. Checks: each debounce window (a key's events until its run is due: a quiet
 * period after the last, at most the timeout after the first) made one run with one event, the
 * last by ts (a later arrival wins a tie; an older ts never replaces a newer one); the batches
 * (a key's events until maxSize or the timeout after the first) made one run each with exactly
 * their events; every cron tick up to the end made exactly one run with its timer event.
 */

interface Op {
  fn: 'debounced' | 'batched';
  key: 'k0' | 'k1';
  gapMs: number;
  older: boolean;
  twice: boolean;
  loseAck: boolean;
}

interface Arrival {
  fn: Op['fn'];
  key: string;
  n: number;
  ts: number;
  at: number;
}

const history = fc.record({
  ops: fc.array(
    fc.record({
      fn: fc.constantFrom('debounced' as const, 'batched' as const),
      key: fc.constantFrom('k0' as const, 'k1' as const),
      gapMs: fc.integer({ min: 0, max: 3000 }),
      older: fc.boolean(),
      twice: fc.boolean(),
      loseAck: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  picks: fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
});

/** The debounce model: per key, windows in order; each one's last event by ts. */
function debounceWindows(arrivals: readonly Arrival[]): string[] {
  const out: string[] = [];
  const open = new Map<string, { due: number; deadline: number; n: number; ts: number }>();
  for (const a of arrivals) {
    const w = open.get(a.key);
    if (w && w.due <= a.at) {
      out.push(`${a.key}:${w.n}`);
      open.delete(a.key);
    }
    const cur = open.get(a.key);
    if (!cur) {
      const deadline = a.at + DEBOUNCE.timeoutMs;
      open.set(a.key, {
        due: Math.min(a.at + DEBOUNCE.periodMs, deadline),
        deadline,
        n: a.n,
        ts: a.ts,
      });
    } else if (a.ts >= cur.ts) {
      cur.due = Math.max(cur.due, Math.min(a.at + DEBOUNCE.periodMs, cur.deadline));
      cur.n = a.n;
      cur.ts = a.ts;
    }
  }
  for (const [key, w] of open) out.push(`${key}:${w.n}`);
  return out.sort();
}

/** The batch model: per key, batches in order (full at maxSize, else closed at the timeout). */
function batches(arrivals: readonly Arrival[]): string[] {
  const out: string[] = [];
  const open = new Map<string, { openedAt: number; ns: number[] }>();
  const close = (key: string) => {
    out.push(`${key}:${open.get(key)!.ns.join(',')}`);
    open.delete(key);
  };
  for (const a of arrivals) {
    const b = open.get(a.key);
    if (b && b.openedAt + BATCH.timeoutMs <= a.at) close(a.key);
    const cur = open.get(a.key) ?? { openedAt: a.at, ns: [] };
    open.set(a.key, cur);
    cur.ns.push(a.n);
    if (cur.ns.length >= BATCH.maxSize) close(a.key);
  }
  for (const key of [...open.keys()]) close(key);
  return out.sort();
}

/** The earliest wall time of an item nobody holds (Infinity when none). */
async function nextFree(raw: Redis, shard: QueueShard): Promise<number> {
  const [items, leases] = await Promise.all([
    raw.hgetall(shard.keys.items()),
    raw.hgetall(shard.keys.leases()),
  ]);
  const times = Object.values(items)
    .map(decodeItem)
    .filter((i) => leases[i.id] === undefined)
    .map((i) => i.wallTimeMs);
  return Math.min(Infinity, ...times);
}

interface Scheduled {
  fn: string;
  events: { id: string; name: string; ts: number; data: Record<string, unknown> }[];
}

function setup(redis: ReturnType<typeof useRedis>, n: number) {
  const scheduled: Scheduled[] = [];
  const { ctx, shard, clock } = executorContext({
    name: `ft-${process.pid}-${n}`,
    transport: redis.transport,
    http: timersTransport(),
    seed: n,
    listeners: [
      {
        onFunctionScheduled: (e) =>
          void scheduled.push({ fn: e.run.functionId, events: e.events as Scheduled['events'] }),
      },
    ],
  });
  const slot = new OneSlot(ctx, shard, clock, redis.raw, n);
  return { ctx, shard, clock, slot, scheduled };
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

describe('debounce, batchEvents and cron triggers', () => {
  const redis = useRedis();
  let n = 0;

  it('a debounce window runs its last event by ts; batches run their events once', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { ctx, shard, clock, slot, scheduled } = setup(redis, ++n);
        await ctx.registry.registerApp(APP_URL);
        const arrivals: Arrival[] = [];
        const lastTs = new Map<string, number>();
        let step = 0;
        const pick = () => h.picks[step++ % h.picks.length] as number;
        for (const [i, op] of h.ops.entries()) {
          clock.advance(op.gapMs);
          if (op.loseAck) slot.acksToLose = 1;
          while ((await nextFree(redis.raw, shard)) <= clock.now()) await slot.step(pick());
          slot.acksToLose = 0;
          const at = clock.now();
          const slotKey = `${op.fn} ${op.key}`;
          const last = lastTs.get(slotKey);
          const ts = op.older && last !== undefined ? last - 100 : at;
          lastTs.set(slotKey, Math.max(ts, last ?? ts));
          const event = { name: TRIGGER[op.fn], id: `e${i}`, ts, data: { k: op.key, n: i } };
          for (let c = 0; c < (op.twice ? 2 : 1); c++) {
            await sendEvents(ctx, event);
            arrivals.push({ fn: op.fn, key: op.key, n: i, ts, at });
          }
        }
        for (let s = 0; await slot.step(pick()); s++)
          if (s > 300) throw new Error('the runs did not settle in 300 items');
        expect(slot.untyped).toEqual([]);
        const runsOf = (fn: string) => scheduled.filter((r) => r.fn === fn);
        for (const r of runsOf(FN.debounced)) expect(r.events.length, 'a debounced run').toBe(1);
        const got = (fn: string) =>
          runsOf(fn)
            .map((r) => `${String(r.events[0]?.data.k)}:${r.events.map((e) => e.data.n).join(',')}`)
            .sort();
        const model = (fn: Op['fn']) => arrivals.filter((a) => a.fn === fn);
        expect(got(FN.debounced), 'debounced runs: key:event').toEqual(
          debounceWindows(model('debounced')),
        );
        expect(got(FN.batched), 'batched runs: key:events').toEqual(batches(model('batched')));
      }),
      propertyParams(25),
    );
  }, 180_000);

  const cronHistory = fc.record({
    syncsMs: fc.array(fc.integer({ min: 0, max: 240_000 }), { maxLength: 3 }),
    lose: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
    picks: fc.array(fc.nat(3), { minLength: 1, maxLength: 5 }),
  });

  it('a cron chain makes one run per tick, each with its timer event', async () => {
    await fc.assert(
      fc.asyncProperty(cronHistory, async (h) => {
        const { ctx, shard, clock, slot, scheduled } = setup(redis, ++n);
        // a sync, then a cron-sync item (the processor runs it: it seeds the chains)
        let syncsDone = 0;
        const sync = async () => {
          await ctx.registry.registerApp(CRON_APP_URL);
          await ctx.queue.enqueue({
            id: itemIdOf(`ft-cron-sync-${++syncsDone}`),
            kind: 'cron-sync',
            queueName: 'cron-default',
            accountId: 'default',
            maxAttempts: 3,
          });
        };
        await sync();
        const end = T0 + 4 * 60_000;
        const syncs = [...h.syncsMs].sort((a, b) => a - b).map((ms) => T0 + ms);
        for (let s = 0; ; s++) {
          if (s > 300) throw new Error('the ticks did not settle in 300 items');
          while (syncs.length > 0 && syncs[0]! <= clock.now()) {
            syncs.shift();
            await sync();
          }
          const next = await nextFree(redis.raw, shard);
          if (next > end && next > clock.now()) break;
          // the first few items only (each lost ack moves the clock a lease on)
          slot.acksToLose = h.lose[s] === true ? 1 : 0;
          await slot.step(h.picks[s % h.picks.length] as number);
        }
        expect(slot.untyped).toEqual([]);
        const ticks: string[] = [];
        for (let t = (Math.floor(T0 / 60_000) + 1) * 60_000; t <= end; t += 60_000)
          ticks.push(rfc3339(t));
        const runs = scheduled.filter((r) => r.fn === FN.cron);
        for (const r of runs) {
          expect(r.events.length, 'a cron run').toBe(1);
          const e = r.events[0]!;
          expect([e.name, e.id, e.data.cron, e.ts], 'its event').toEqual([
            'inngest/scheduled.timer',
            e.data.scheduledAt,
            CRON,
            Date.parse(String(e.data.scheduledAt)),
          ]);
        }
        const got = runs.map((r) => String(r.events[0]!.data.scheduledAt)).sort();
        expect(
          got.filter((t) => t <= rfc3339(end)),
          'one run per tick',
        ).toEqual(ticks);
      }),
      propertyParams(6),
    );
  }, 180_000);
});
