import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { decodeItem, sendEvents, ulidTime, type QueueShard } from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import {
  APP_URL,
  FLOW_FNS,
  flowTransport,
  KEY_LIMIT,
  THROTTLE,
  triggerOf,
  type FlowFn,
} from './flow-control/app.js';
import { OneSlot } from './run-lifecycle/world.js';
import { executorContext } from './executor-context.js';
import { propertyParams } from './settings.js';

/**
 * Flow control from the function config, end to end: runs of real `inngest` functions with a
 * concurrency key, a throttle and a priority, through the real executor on real Redis, their
 * items run one at a time by the one-slot processor in an order the property picks. After every
 * item: each stored item of a run carries what the config and its trigger say (a step item the
 * run's key, one canonical key per tenant; a start item the throttle; a step item the priority
 * factor, scored at its run's start less it), and every in-progress set holds only leased items
 * (a run's end releases its slots). At the end: every run completed, and run starts (each run's
 * first SDK request) per throttle key keep to the GCRA bound.
 */

interface RunSpec {
  fn: FlowFn;
  tenant: string;
  priority: number;
}

const STEP_KINDS = new Set(['start', 'edge', 'edge-error']);

const history = fc.record({
  runs: fc.array(
    fc.record({
      fn: fc.constantFrom(...FLOW_FNS),
      tenant: fc.constantFrom('t0', 't1'),
      priority: fc.constantFrom(-20, 0, 30),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  picks: fc.array(fc.nat(5), { minLength: 1, maxLength: 12 }),
});

/** What the shard's checks have learnt so far: tenant <-> canonical key, and the sets to read. */
class Seen {
  readonly canonicalOf = new Map<string, string>();
  readonly tenantOf = new Map<string, string>();
  readonly partitions = new Set<string>();
}

async function checkItems(
  raw: Redis,
  shard: QueueShard,
  runs: ReadonlyMap<string, RunSpec>,
  seen: Seen,
): Promise<void> {
  for (const json of Object.values(await raw.hgetall(shard.keys.items()))) {
    const item = decodeItem(json);
    const r = item.runId === undefined ? undefined : runs.get(item.runId);
    if (!r || item.runId === undefined) continue;
    seen.partitions.add(item.partitionId);
    const what = `${item.kind} item of a ${r.fn} run (${r.tenant}, priority ${r.priority})`;
    const step = STEP_KINDS.has(item.kind);
    expect(item.customKeys.length, `${what}: its custom keys`).toBe(
      step && r.fn === 'keyed' ? 1 : 0,
    );
    for (const c of item.customKeys) {
      expect(c.limit, `${what}: its key's limit`).toBe(KEY_LIMIT);
      expect(seen.canonicalOf.get(r.tenant) ?? c.canonical, `${what}: its key`).toBe(c.canonical);
      expect(seen.tenantOf.get(c.canonical) ?? r.tenant, `${what}: its key's tenant`).toBe(
        r.tenant,
      );
      seen.canonicalOf.set(r.tenant, c.canonical);
      seen.tenantOf.set(c.canonical, r.tenant);
    }
    const throttled = item.kind === 'start' && r.fn === 'throttled';
    expect(item.throttle !== undefined, `${what}: carries a throttle`).toBe(throttled);
    if (item.throttle) {
      const { limit, burst, periodMs } = item.throttle;
      expect({ limit, burst, periodMs }, `${what}: its throttle`).toEqual(THROTTLE);
    }
    const factorS = step && r.fn === 'prioritized' ? r.priority : 0;
    expect(item.priorityFactorS, `${what}: its priority factor`).toBe(factorS);
    if (step) expect(item.score, `${what}: its score`).toBe(ulidTime(item.runId) - factorS * 1000);
  }
}

/** Every in-progress set (the account's, each partition's, each key's) holds leased items only. */
async function checkSlots(raw: Redis, shard: QueueShard, seen: Seen): Promise<void> {
  const k = shard.keys;
  const sets = [
    k.inProgressAccount('default'),
    ...[...seen.partitions].map((p) => k.inProgressPartition(p)),
    ...[...seen.tenantOf.keys()].map((c) => k.inProgressCustom(c)),
  ];
  const leases = await raw.hgetall(k.leases());
  for (const set of sets)
    for (const id of await raw.zrange(set, 0, -1))
      expect(leases[id], `${set} holds ${id}, which holds no lease`).toBeDefined();
}

/** Starts per throttle key in every window T: at most limit + burst + floor(T·limit/period). */
function checkThrottle(starts: ReadonlyMap<string, number[]>): void {
  for (const [key, times] of starts)
    for (let i = 0; i < times.length; i++)
      for (let j = i; j < times.length; j++) {
        const window = times[j]! - times[i]!;
        const bound =
          THROTTLE.limit +
          THROTTLE.burst +
          Math.floor((window * THROTTLE.limit) / THROTTLE.periodMs);
        expect(j - i + 1, `${key}: run starts within ${window} ms`).toBeLessThanOrEqual(bound);
      }
}

describe('flow control: keys, throttle and priority from the function config', () => {
  const redis = useRedis();
  const http = flowTransport();
  let n = 0;

  it('items carry their run’s flow, a run’s end frees its slots, starts keep to the throttle', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { ctx, shard, clock } = executorContext({
          name: `fc-${process.pid}-${++n}`,
          transport: redis.transport,
          http,
          seed: n,
        });
        await ctx.registry.registerApp(APP_URL);
        http.calls.length = 0;
        const runs = new Map<string, RunSpec>();
        for (const r of h.runs) {
          const data = { tenant: r.tenant, priority: r.priority };
          const [eventId] = await sendEvents(ctx, { name: triggerOf(r.fn), data });
          const [runId] = Object.keys(await ctx.store.eventRuns(eventId as string));
          runs.set(runId as string, r);
        }
        const slot = new OneSlot(ctx, shard, clock, redis.raw, n);
        const seen = new Seen();
        const firstCall = new Map<string, number>();
        for (let step = 0; ; step++) {
          if (step > 200) throw new Error('the runs did not settle in 200 items');
          const more = await slot.step(h.picks[step % h.picks.length] as number);
          for (const c of http.calls)
            if (!firstCall.has(c.runId)) firstCall.set(c.runId, clock.now());
          await checkItems(redis.raw, shard, runs, seen);
          await checkSlots(redis.raw, shard, seen);
          if (!more) break;
        }
        expect(slot.untyped).toEqual([]);
        const starts = new Map<string, number[]>();
        for (const [runId, r] of runs) {
          expect((await ctx.store.readRun(runId))?.meta.status, `${r.fn} run`).toBe('completed');
          if (r.fn !== 'throttled') continue;
          starts.set(r.tenant, [...(starts.get(r.tenant) ?? []), firstCall.get(runId) as number]);
        }
        for (const times of starts.values()) times.sort((a, b) => a - b);
        checkThrottle(starts);
        expect(await redis.raw.hlen(shard.keys.items())).toBe(0);
      }),
      propertyParams(30),
    );
  }, 120_000);
});
