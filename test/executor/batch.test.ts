import { executorContext } from '../../testkit/executor-context.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/index.js';
import { ulid } from '../../src/core/ulid.js';
import { decodeItem } from '../../src/queue/item.js';
import type { QueueShard } from '../../src/queue/shard.js';
import { BatchStore } from '../../src/state/batch-store.js';
import {
  batchIdempotencyKey,
  batchTimerJobId,
  BATCH_QUEUE,
  onBatchTimer,
  startBatch,
} from '../../src/executor/batch.js';
import type { ExecutorContext } from '../../src/executor/context.js';
import { InvalidFunctionConfigError } from '../../src/executor/errors.js';
import type { StoredEvent } from '../../src/executor/event.js';
import { sendEvents } from '../../src/executor/ingest.js';
import { itemIdOf } from '../../src/executor/job-ids.js';
import { scheduleRun } from '../../src/executor/schedule.js';
import { toRunView } from '../../src/executor/run-view.js';
import { functionRunJson, restIds } from '../../src/server/rest-shapes.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';

/**
 * Event batches against real Redis: the append script under concurrent appends (every event in
 * exactly one batch, none above maxSize, a timer per batch), and starting a batch exactly once
 * whichever way it is started twice (timer and full start racing, a retry after a crash between
 * the run and the batch's deletion, a full batch whose starter crashed).
 */
const APP_URL = 'http://batch.test/api/inngest';

function fnConfig(id: string, batchEvents: Record<string, unknown>) {
  return {
    id,
    name: id,
    triggers: [{ event: `batch/${id}` }],
    batchEvents,
    steps: {
      step: { id: 'step', name: 'step', runtime: { type: 'http', url: `${APP_URL}?fnId=${id}` } },
    },
  };
}

describe('event batches on real Redis', () => {
  const redis = useRedis();
  let ctx: ExecutorContext;
  let batches: BatchStore;
  let clock: ManualClock;

  beforeAll(async () => {
    let shard: QueueShard;
    ({ ctx, shard, clock } = executorContext({
      name: `batch-${process.pid}`,
      transport: redis.transport,
      seed: 11,
      retentionMs: 60_000,
    }));
    batches = new BatchStore(shard);
    await ctx.registry.registerConfig(
      {
        app_id: 'batch',
        functions: [
          fnConfig('five', { maxSize: 5, timeout: '10s' }),
          fnConfig('cond', { maxSize: 5, timeout: '10s', if: 'event.data.x.y == 1' }),
          fnConfig('one', { maxSize: 1, timeout: '10s' }),
        ],
      },
      APP_URL,
    );
  });

  /** Every batch stored now: ID -> its events' JSON. */
  async function storedBatches(): Promise<Map<string, { n: number; events: string[] }>> {
    const metas = await redis.raw.hgetall(batches.keys.batches());
    const out = new Map<string, { n: number; events: string[] }>();
    for (const [id, json] of Object.entries(metas)) {
      const n = (JSON.parse(json) as { n: number }).n;
      const fields = Array.from({ length: n }, (_, i) => `${id}/${i + 1}`);
      const events = n === 0 ? [] : await redis.raw.hmget(batches.keys.batchEvents(), ...fields);
      out.set(id, { n, events: events as string[] });
    }
    return out;
  }

  /** The batch timer item of a batch, as stored, or null. */
  async function timerOf(batchId: string) {
    const raw = await redis.raw.hget(
      ctx.store.shard.keys.items(),
      itemIdOf(batchTimerJobId(batchId)),
    );
    return raw === null ? null : decodeItem(raw);
  }

  async function send(fnId: string, count: number, data: Record<string, unknown> = {}) {
    return await sendEvents(
      ctx,
      Array.from({ length: count }, (_, i) => ({ name: `batch/${fnId}`, data: { i, ...data } })),
    );
  }

  it('concurrent appends: every event in exactly one batch, none above maxSize', async () => {
    const MAX = 4;
    const keys = ['k0', 'k1', 'k2'];
    const eventIds = Array.from({ length: 150 }, () => ulid(clock.now(), ctx.random));
    const append = (eventId: string, i: number) =>
      batches.append({
        functionId: 'conc',
        batchKey: keys[i % keys.length] as string,
        eventId,
        eventJson: JSON.stringify({ internalId: eventId, i }),
        maxSize: MAX,
        maxBytes: 10 * 1024 * 1024,
        seenTtlMs: 60_000,
        pointerTtlMs: 60_000,
        newBatchId: ulid(clock.now(), ctx.random),
        timer: ctx.queue.buildItem({
          kind: 'schedule-batch',
          accountId: 'default',
          queueName: BATCH_QUEUE,
          at: clock.now() + 10_000,
          payload: {},
        }),
      });
    // Each event twice at once: a retried append adds nothing.
    const results = await Promise.all(
      [...eventIds, ...eventIds].map((id, j) => append(id, j % eventIds.length)),
    );
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(150);
    const stored = await storedBatches();
    const seen = new Map<string, string>();
    for (const [batchId, b] of stored) {
      expect(b.n).toBeLessThanOrEqual(MAX);
      expect(b.events).toHaveLength(b.n);
      for (const json of b.events) {
        const id = (JSON.parse(json) as { internalId: string }).internalId;
        expect(seen.get(id), `${id} in two batches`).toBeUndefined();
        seen.set(id, batchId);
      }
    }
    expect([...seen.keys()].sort()).toEqual([...eventIds].sort());
    // Per key 50 events: 12 full batches and one open one of 2.
    expect(stored.size).toBe(3 * 13);
    expect(results.filter((r) => r.status === 'full')).toHaveLength(3 * 12);
    expect(results.filter((r) => r.status === 'opened')).toHaveLength(3 * 13);
    for (const r of results.filter((x) => x.status !== 'duplicate'))
      expect(seen.has(r.batchId) || stored.has(r.batchId)).toBe(true);
  });

  it('two starts of one batch at once make one run with all its events', async () => {
    const ids = await send('five', 3);
    const batchId = await openBatchOf(ids[0] as string);
    await Promise.all([startBatch(ctx, batchId), startBatch(ctx, batchId)]);
    const runs = await ctx.store.eventRuns(ids[0] as string);
    expect(Object.keys(runs)).toHaveLength(1);
    const run = await ctx.store.readRun(Object.keys(runs)[0] as string);
    expect(run?.meta.batchId).toBe(batchId);
    expect(run?.meta.eventIds).toEqual(ids);
    // The REST run shape reports it as batch_id.
    const rest = functionRunJson(toRunView(run!), restIds('default'), 'Running');
    expect(rest.batch_id).toBe(batchId);
    expect(await batches.close(batchId)).toBeNull(); // deleted
    // The timer firing later starts nothing.
    await onBatchTimer(ctx, JSON.parse((await timerOf(batchId))?.payloadJson as string));
    expect(Object.keys(await ctx.store.eventRuns(ids[0] as string))).toHaveLength(1);
  });

  it("each batch is its run's idempotency key: a first event ID seen before still runs", async () => {
    const batchOf = (n: number) =>
      sendEvents(
        ctx,
        Array.from({ length: 5 }, (_, i) => ({
          name: 'batch/five',
          data: { n, i },
          ...(i === 0 ? { id: 'same-user-id' } : {}),
        })),
      );
    const one = await batchOf(1);
    const two = await batchOf(2);
    expect(Object.keys(await ctx.store.eventRuns(one[0] as string))).toHaveLength(1);
    expect(Object.keys(await ctx.store.eventRuns(two[0] as string))).toHaveLength(1);
  });

  it('a starter that crashed after the run, before deleting: the retry makes no second run', async () => {
    const ids = await send('five', 2);
    const batchId = await openBatchOf(ids[0] as string);
    const closed = await batches.close(batchId);
    const fn = await ctx.registry.get('five');
    const events = (closed?.eventsJson ?? []).map((j) => JSON.parse(j) as StoredEvent);
    const first = await scheduleRun(ctx, fn!, events, {
      idempotencyKey: batchIdempotencyKey('five', batchId),
      batchId,
    });
    expect(first.status).toBe('created');
    await startBatch(ctx, batchId); // the timer, retried
    expect(await ctx.store.eventRuns(ids[0] as string)).toEqual({ [first.runId]: 'five' });
    expect(await batches.close(batchId)).toBeNull();
  });

  it('a full batch whose starter crashed is started by its timer, once', async () => {
    const ids = await send('five', 4);
    const batchId = await openBatchOf(ids[0] as string);
    // The fifth event fills it, and the process dies before starting it.
    const fifth = ulid(clock.now(), ctx.random);
    const full = await batches.append({
      functionId: 'five',
      batchKey: '',
      eventId: fifth,
      eventJson: JSON.stringify({ internalId: fifth, name: 'batch/five', data: {}, id: fifth }),
      maxSize: 5,
      maxBytes: 10 * 1024 * 1024,
      seenTtlMs: 60_000,
      pointerTtlMs: 60_000,
      newBatchId: ulid(clock.now(), ctx.random),
      timer: ctx.queue.buildItem({ kind: 'schedule-batch', queueName: BATCH_QUEUE, payload: {} }),
    });
    expect(full).toEqual({ status: 'full', batchId });
    expect(await ctx.store.eventRuns(ids[0] as string)).toEqual({});
    const timer = await timerOf(batchId);
    expect(timer?.at).toBe(T0 + 10_000);
    expect(timer?.queueName).toBe(BATCH_QUEUE);
    const payload = JSON.parse(timer?.payloadJson as string) as unknown;
    await onBatchTimer(ctx, payload);
    await onBatchTimer(ctx, payload);
    const runs = Object.keys(await ctx.store.eventRuns(ids[0] as string));
    expect(runs).toHaveLength(1);
    const run = await ctx.store.readRun(runs[0] as string);
    expect(run?.meta.eventIds).toEqual([...ids, fifth]);
    // A new event opens a new batch.
    const [next] = await send('five', 1);
    expect(await openBatchOf(next as string)).not.toBe(batchId);
  });

  it('if erroring: the event runs alone, at once', async () => {
    const [id] = await send('cond', 1, { x: 'not an object' });
    expect(Object.keys(await ctx.store.eventRuns(id as string))).toHaveLength(1);
    const [held] = await send('cond', 1, { x: { y: 1 } });
    expect(await ctx.store.eventRuns(held as string)).toEqual({});
  });

  it('maxSize 1 is no batching: the event runs alone, at once, in no batch', async () => {
    const [id] = await send('one', 1);
    expect(Object.keys(await ctx.store.eventRuns(id as string))).toHaveLength(1);
    await expect(openBatchOf(id as string)).rejects.toThrow(/in no batch/);
  });

  it('a sync refused for batchEvents with cancelOn keeps the functions registered before', async () => {
    const before = (await ctx.registry.functions()).map((f) => f.id).sort();
    const refused = {
      app_id: 'batch',
      functions: [
        fnConfig('five', { maxSize: 5, timeout: '10s' }),
        { ...fnConfig('bad', { maxSize: 2, timeout: '1s' }), cancel: [{ event: 'x/stop' }] },
      ],
    };
    await expect(ctx.registry.registerConfig(refused, APP_URL)).rejects.toThrow(
      'invalid function config of function "bad" at functions[1].cancel: ' +
        'cannot be used with batchEvents',
    );
    await expect(ctx.registry.registerConfig(refused, APP_URL)).rejects.toBeInstanceOf(
      InvalidFunctionConfigError,
    );
    expect((await ctx.registry.functions()).map((f) => f.id).sort()).toEqual(before);
    expect(before).toEqual(['cond', 'five', 'one']);
    expect(await ctx.store.functionJson('bad')).toBeNull();
    // The functions still run: an event of 'five' still goes into a batch.
    const [id] = await send('five', 1);
    expect(await openBatchOf(id as string)).toMatch(/^[0-9A-Z]{26}$/);
  });

  /** The batch an event went into (read back from the stored batches). */
  async function openBatchOf(eventId: string): Promise<string> {
    for (const [batchId, b] of await storedBatches())
      if (b.events.some((e) => (JSON.parse(e) as { internalId: string }).internalId === eventId))
        return batchId;
    throw new Error(`event ${eventId} is in no batch`);
  }
});
