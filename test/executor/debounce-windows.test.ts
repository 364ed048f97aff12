import { executorContext } from '../../testkit/executor-context.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/index.js';
import type { ExecutorContext } from '../../src/executor/context.js';
import { fireDebounceTimer } from '../../src/executor/debounce.js';
import { sendEvents } from '../../src/executor/ingest.js';
import { itemPayload } from '../../src/queue/item.js';
import type { HandlerContext } from '../../src/queue/processor/run/handler.js';
import { DeferError } from '../../src/queue/processor/run/handler.js';
import type { DebounceWindow } from '../../src/state/debounce-store.js';
import type { RunStore } from '../../src/state/run-store.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';

/**
 * Debounce windows on real Redis (lua/state/debounceEvent-9, fireDebounce-2, dropDebounce-1 and
 * src/executor/debounce.ts), under a manual clock: what an arriving event does to its key's
 * window, when the timer fires, the race between an event and a firing timer, and a timer that
 * fires again (a retry after a crash) starting no second run.
 */
const PERIOD_MS = 2_000;
const TIMEOUT_MS = 5_000;

/** A function config as the SDK sends it: its ID is composite (`<app>-<fn>`). */
function functionConfig(id: string, debounce: Record<string, unknown>) {
  return {
    id: `db-${id}`,
    name: id,
    triggers: [{ event: `db/${id}` }],
    debounce,
    steps: {
      step: {
        id: 'step',
        name: 'step',
        runtime: {
          type: 'http',
          url: `http://debounce.test/api/inngest?fnId=db-${id}&stepId=step`,
        },
      },
    },
  };
}

let shardCount = 0;

describe('debounce windows (real Redis, manual clock)', () => {
  const redis = useRedis();
  let ctx: ExecutorContext;
  let clock: ManualClock;
  let store: RunStore;

  beforeEach(async () => {
    ({ ctx, clock } = executorContext({
      name: `debounce-${process.pid}-${++shardCount}`,
      transport: redis.transport,
      seed: 11,
      retentionMs: 60_000,
    }));
    store = ctx.store;
    await ctx.registry.registerConfig(
      {
        app_id: 'db',
        functions: [
          functionConfig('keyed', { period: '2s', key: 'event.data.user' }),
          functionConfig('bounded', { period: '2s', timeout: '5s' }),
        ],
      },
      'http://debounce.test/api/inngest',
    );
  });

  async function send(fn: string, data: Record<string, unknown>, ts?: number): Promise<string> {
    const [id] = await sendEvents(ctx, { name: `db/${fn}`, data, ...(ts ? { ts } : {}) });
    return id as string;
  }

  async function windows(): Promise<DebounceWindow[]> {
    const all = await redis.raw.hgetall(store.debounces.keys.windows());
    return Object.values(all).map((w) => JSON.parse(w) as DebounceWindow);
  }

  async function openWindow(fn: string, key: string): Promise<DebounceWindow> {
    const id = await redis.raw.get(store.debounces.keys.pointer(`db-${fn}`, key));
    expect(id, `open window of ${fn}/${key}`).not.toBeNull();
    const w = await store.debounces.window(id as string);
    return w as DebounceWindow;
  }

  /** Runs a window's timer item as the processor would; 'deferred' carries the retry time. */
  async function fire(w: DebounceWindow): Promise<'done' | { deferredTo: number }> {
    const item = await store.shard.getItem(w.timer);
    expect(item, `timer item of window ${w.id}`).not.toBeNull();
    expect(item?.kind).toBe('debounce');
    const hctx = { payload: itemPayload(item!) } as HandlerContext;
    try {
      await fireDebounceTimer(ctx, item!, hctx);
      return 'done';
    } catch (err) {
      if (err instanceof DeferError) return { deferredTo: err.retryAt };
      throw err;
    }
  }

  /** The runs an event started, with each run's trigger events. */
  async function runsOf(eventId: string): Promise<{ runId: string; events: unknown[] }[]> {
    const runs = Object.keys(await store.eventRuns(eventId));
    return await Promise.all(
      runs.map(async (runId) => ({ runId, events: (await store.readRun(runId))!.events })),
    );
  }

  it('a burst for one key: no run at ingest, one window holding the last event, due a period after it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await send('keyed', { user: 'u1', n: i }));
      clock.advance(500);
    }
    for (const id of ids) expect(await runsOf(id)).toEqual([]);
    const w = await openWindow('keyed', 'u1');
    expect(await windows()).toHaveLength(1);
    expect(JSON.parse(w.e)).toMatchObject({ internalId: ids[4], data: { n: 4 } });
    expect(w.first).toBe(T0);
    expect(w.due).toBe(T0 + 4 * 500 + PERIOD_MS);
    // One timer, at the first event's due time: early, it finds the window open and waits.
    const timer = await store.shard.getItem(w.timer);
    expect(timer?.at).toBe(T0 + PERIOD_MS);
    expect(await store.shard.countItems()).toBe(1);
    // (the clock is past it now, at the last event + 500 ms)
    expect(await fire(w)).toEqual({ deferredTo: w.due });
    clock.set(w.due);
    expect(await fire(w)).toBe('done');
    const runs = await runsOf(ids[4] as string);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.events).toEqual([expect.objectContaining({ data: { user: 'u1', n: 4 } })]);
    for (const id of ids.slice(0, 4)) expect(await runsOf(id)).toEqual([]);
    // Closed and dropped: the key has no window, the timer is done.
    expect(await windows()).toEqual([]);
    expect(await redis.raw.get(store.debounces.keys.pointer('db-keyed', 'u1'))).toBeNull();
  });

  it('keys are separate windows; an expression that fails keys its events under <invalid>', async () => {
    await send('keyed', { user: 'a' });
    await send('keyed', { user: 'b' });
    await send('keyed', { user: 7 });
    await send('keyed', {});
    const keys = (await windows()).map((w) => w.key).sort();
    expect(keys).toEqual(['7', '<invalid>', 'a', 'b']);
  });

  it('concurrent arrivals: one window, one timer, and the event with the greatest ts wins', async () => {
    const tss = Array.from({ length: 24 }, (_, i) => T0 - 60_000 + ((i * 7919) % 24) * 1000);
    const ids = await Promise.all(tss.map((ts, i) => send('keyed', { user: 'c', i }, ts)));
    expect(await windows()).toHaveLength(1);
    expect(await store.shard.countItems()).toBe(1);
    const w = await openWindow('keyed', 'c');
    const newest = tss.indexOf(Math.max(...tss));
    expect(JSON.parse(w.e)).toMatchObject({ internalId: ids[newest], data: { i: newest } });
  });

  it('an event with an older ts sent last neither replaces the newer one nor extends the window', async () => {
    await send('keyed', { user: 'o', which: 'newer' }, T0);
    clock.advance(1_000);
    const before = await openWindow('keyed', 'o');
    await send('keyed', { user: 'o', which: 'older' }, T0 - 10_000);
    const after = await openWindow('keyed', 'o');
    expect(after).toEqual(before);
    expect(JSON.parse(after.e)).toMatchObject({ data: { which: 'newer' } });
    // An equal ts does replace it (the later arrival of equals wins).
    await send('keyed', { user: 'o', which: 'same-ts' }, T0);
    expect(JSON.parse((await openWindow('keyed', 'o')).e)).toMatchObject({
      data: { which: 'same-ts' },
    });
  });

  it('timeout: events every 1.5 s keep the window open no longer than first + timeout', async () => {
    const ids: string[] = [];
    for (let t = 0; t <= 4_500; t += 1_500) {
      clock.set(T0 + t);
      ids.push(await send('bounded', { t }));
    }
    const w = await openWindow('bounded', 'db-bounded');
    expect(w.deadline).toBe(T0 + TIMEOUT_MS);
    expect(w.due).toBe(T0 + TIMEOUT_MS); // not 4.5 s + period
    expect(await fire(w)).toEqual({ deferredTo: T0 + TIMEOUT_MS });
    clock.set(T0 + TIMEOUT_MS);
    expect(await fire(w)).toBe('done');
    expect((await runsOf(ids[3] as string))[0]?.events).toEqual([
      expect.objectContaining({ data: { t: 4_500 } }),
    ]);
    // The next event opens the next window, with its own deadline.
    clock.set(T0 + 6_000);
    await send('bounded', { t: 6_000 });
    expect((await openWindow('bounded', 'db-bounded')).deadline).toBe(T0 + 6_000 + TIMEOUT_MS);
  });

  it('a timeout shorter than the period: the first timer is due at the timeout', async () => {
    await ctx.registry.registerConfig(
      {
        app_id: 'db',
        functions: [functionConfig('short', { period: '10s', timeout: '3s' })],
      },
      'http://debounce.test/api/inngest',
    );
    await send('short', {});
    const w = await openWindow('short', 'db-short');
    expect(w.due).toBe(T0 + 3_000);
    expect((await store.shard.getItem(w.timer))?.at).toBe(T0 + 3_000);
  });

  it('the timeout reached before the last events: the window fires at once, with the last', async () => {
    clock.set(T0);
    await send('bounded', { n: 0 });
    clock.set(T0 + 4_000);
    await send('bounded', { n: 1 });
    clock.set(T0 + 5_500); // past the deadline, before the timer ran: still this window
    const last = await send('bounded', { n: 2 });
    const w = await openWindow('bounded', 'db-bounded');
    expect(w.due).toBe(T0 + TIMEOUT_MS);
    expect(await fire(w)).toBe('done');
    expect((await runsOf(last))[0]?.events).toEqual([expect.objectContaining({ data: { n: 2 } })]);
  });

  it('an event arriving after the timer closed the window opens a new one: none is lost', async () => {
    await send('keyed', { user: 'r', n: 1 });
    const w1 = await openWindow('keyed', 'r');
    clock.set(w1.due);
    expect(await fire(w1)).toBe('done');
    const late = await send('keyed', { user: 'r', n: 2 });
    const w2 = await openWindow('keyed', 'r');
    expect(w2.id).not.toBe(w1.id);
    expect(w2.timer).not.toBe(w1.timer);
    clock.set(w2.due);
    expect(await fire(w2)).toBe('done');
    expect((await runsOf(late))[0]?.events).toEqual([
      expect.objectContaining({ data: { user: 'r', n: 2 } }),
    ]);
  });

  it('an event racing the firing timer ends in a run either way (20 races)', async () => {
    for (let i = 0; i < 20; i++) {
      const user = `race-${i}`;
      await send('keyed', { user, n: 'first' });
      const w1 = await openWindow('keyed', user);
      clock.set(w1.due);
      const late = () => send('keyed', { user, n: 'last' }, clock.now() + 1);
      // Which one starts first alternates; which one's script runs first is up to the race.
      const [fired, lastId] =
        i % 2 === 0
          ? await Promise.all([fire(w1), late()])
          : await Promise.all([late(), fire(w1)]).then(([id, f]) => [f, id] as const);
      // Either the event joined the window before the fire (which then waits for it), or the
      // fire closed the window first and the event opened a new one.
      for (let round = 0; round < 4; round++) {
        const open = (await windows()).filter((w) => w.key === user && w.closed !== 1);
        if (open.length === 0) break;
        for (const w of open) {
          clock.set(Math.max(clock.now(), w.due));
          expect(await fire(w)).toBe('done');
        }
      }
      if (fired !== 'done') expect(fired.deferredTo).toBeGreaterThan(w1.due);
      const runs = await runsOf(lastId);
      expect(runs, `race ${i}`).toHaveLength(1);
      expect(runs[0]?.events).toEqual([expect.objectContaining({ data: { user, n: 'last' } })]);
    }
    expect(await windows()).toEqual([]);
  });

  it('a timer that fires again after a crash starts no second run', async () => {
    const id = await send('keyed', { user: 'x' });
    const w = await openWindow('keyed', 'x');
    clock.set(w.due);
    // The first fire crashes after scheduling the run, before dropping the window.
    const drop = store.debounces.drop.bind(store.debounces);
    store.debounces.drop = () => Promise.reject(new Error('process died'));
    await expect(fire(w)).rejects.toThrow('process died');
    store.debounces.drop = drop;
    expect(await runsOf(id)).toHaveLength(1);
    expect((await windows())[0]?.closed).toBe(1);
    // Its retry (and two more at once, as after a lost lease) schedule nothing new.
    const retries = await Promise.all([fire(w), fire(w), fire(w)]);
    expect(retries).toEqual(['done', 'done', 'done']);
    expect(await runsOf(id)).toHaveLength(1);
    expect(await windows()).toEqual([]);
    // A fire of a dropped window does nothing.
    expect(await fire(w)).toBe('done');
    expect(await runsOf(id)).toHaveLength(1);
  });
});
