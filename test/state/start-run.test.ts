import { describe, expect, it } from 'vitest';
import { JobIds, stepPrefix } from '../../src/executor/job-ids.js';
import { T0, useRedis } from '../../testkit/redis-fixture.js';
import { FN, lease, newRun, runItem, type StateSetup, stateShard } from './fixtures.js';

const RETENTION = 3600_000;

function timeoutItem(s: StateSetup, runId: string, kind: 'start' | 'finish', at: number) {
  return runItem(
    s,
    runId,
    'cancel',
    JobIds.timeout(stepPrefix(FN, runId), kind),
    { timeout: kind },
    at,
  );
}

async function queued(s: StateSetup, itemId: string): Promise<boolean> {
  return (await s.raw.hexists(s.shard.keys.items(), itemId)) === 1;
}

async function runItemIds(s: StateSetup, runId: string): Promise<string[]> {
  return (await s.raw.smembers(s.store.keys.runItems(runId))).sort();
}

/** The timeout parts of the run-state scripts: createRun's cancel item, startRun, cancel_reason. */
describe('timeouts in the run-state scripts', () => {
  const redis = useRedis();

  it('createRun stores the start-timeout cancel item with the run, listed among its items', async () => {
    const s = stateShard(redis);
    let cancel = undefined as ReturnType<typeof timeoutItem> | undefined;
    const run = await newRun(s, {
      cancelItem: (runId) => (cancel = timeoutItem(s, runId, 'start', T0 + 1000)),
    });
    expect(cancel).toBeDefined();
    expect(await queued(s, cancel!.id)).toBe(true);
    expect(await runItemIds(s, run.runId)).toEqual([run.start.id, cancel!.id].sort());
    const score = await s.raw.zscore(s.shard.keys.ready(cancel!.partitionId), cancel!.id);
    expect(Number(score)).toBe(T0 + 1000);
  });

  it('startRun marks the run started once and enqueues its finish-timeout item once', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    s.clock.advance(250);
    const item = timeoutItem(s, run.runId, 'finish', T0 + 250 + 5000);
    const first = await s.store.startRun({
      runId: run.runId,
      located: run.start,
      cancelItem: item,
      now: T0 + 250,
    });
    expect(first).toEqual({ status: 'started', startedAt: T0 + 250, now: true });
    const meta = await s.raw.hmget(s.store.keys.meta(run.runId), 'status', 'started_at');
    expect(meta).toEqual(['running', String(T0 + 250)]);
    expect(await runItemIds(s, run.runId)).toEqual([run.start.id, item.id].sort());

    // A second start (a retried first attempt) keeps the first start time and enqueues nothing.
    await s.raw.hdel(s.shard.keys.items(), item.id);
    const again = await s.store.startRun({
      runId: run.runId,
      located: run.start,
      cancelItem: item,
      now: T0 + 900,
    });
    expect(again).toEqual({ status: 'started', startedAt: T0 + 250, now: false });
    expect(await queued(s, item.id)).toBe(false);
  });

  it('startRun changes nothing for a run that ended or does not exist', async () => {
    const s = stateShard(redis);
    const run = await newRun(s);
    const leaseId = await lease(s, run.start);
    const finishItem = runItem(s, run.runId, 'finish', JobIds.finish(run.runId));
    const fin = await s.store.finishRun({
      runId: run.runId,
      idempotencyKey: run.idempotencyKey,
      status: 'cancelled',
      retentionMs: RETENTION,
      finishItem,
      pauses: [],
      current: { item: run.start, leaseId },
      cancelReason: 'start-timeout',
    });
    expect(fin.status).toBe('finished');
    const item = timeoutItem(s, run.runId, 'finish', T0 + 5000);
    const ended = await s.store.startRun({
      runId: run.runId,
      located: run.start,
      cancelItem: item,
      now: T0,
    });
    expect(ended).toEqual({ status: 'run-ended' });
    expect(await queued(s, item.id)).toBe(false);
    expect(await s.raw.hget(s.store.keys.meta(run.runId), 'started_at')).toBe(String(T0));
    const gone = await s.store.startRun({ runId: 'nope', located: run.start, now: T0 });
    expect(gone).toEqual({ status: 'run-not-found' });
  });

  it('finishRun records cancel_reason for a cancelled run only', async () => {
    const s = stateShard(redis);
    const reasons: (string | null)[] = [];
    for (const status of ['cancelled', 'completed'] as const) {
      const run = await newRun(s);
      await s.store.finishRun({
        runId: run.runId,
        idempotencyKey: run.idempotencyKey,
        status,
        retentionMs: RETENTION,
        finishItem: runItem(s, run.runId, 'finish', JobIds.finish(run.runId)),
        pauses: [],
        cancelReason: 'finish-timeout',
      });
      reasons.push(await s.raw.hget(s.store.keys.meta(run.runId), 'cancel_reason'));
      const read = await s.store.readRun(run.runId);
      expect(read?.meta.status).toBe(status);
    }
    expect(reasons).toEqual(['finish-timeout', null]);
  });
});
