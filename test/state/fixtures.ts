/**
 * Setup shared by the run-state script tests (each file still starts its own redis-server with
 * useRedis()): a shard with its RunStore, runs built as the executor builds them (schedule.ts,
 * run-items.ts), leases, and whole-shard snapshots for "nothing was written" checks.
 */
import type { Redis } from 'ioredis';
import { seededRandom } from '../../src/core/random.js';
import { leaseId as makeLeaseId, ulid } from '../../src/core/ulid.js';
import { encodeRunItemPayload, type RunItemPayload } from '../../src/executor/item-payload.js';
import { idempotencyKeyOf, itemIdOf, JobIds, stepPrefix } from '../../src/executor/job-ids.js';
import type { ItemKind, QueueItem } from '../../src/queue/item.js';
import type { Pause } from '../../src/state/pause.js';
import { encodeNewRunMeta } from '../../src/state/run.js';
import { RunStore } from '../../src/state/run-store.js';
import type { CreateRunResult } from '../../src/state/shard/createRun.js';
import { freshQueue, T0, type RedisHandle } from '../../testkit/redis-fixture.js';

export const ACCOUNT = 'a1';
export const FN = 'f1';
export const APP = 'app1';
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
export const EVENTS_JSON = '[{"name":"e/start","data":{}}]';

export type StateSetup = ReturnType<typeof stateShard>;

/** A fresh shard (own hash tag, ManualClock at T0) with its RunStore. */
export function stateShard(redis: RedisHandle, opts: Parameters<typeof freshQueue>[1] = {}) {
  const ctx = freshQueue(redis, opts);
  const store = new RunStore(ctx.shard);
  let runs = 0;
  /** Deterministic run IDs (ULIDs at T0): two setups built alike get the same IDs. */
  const nextRunId = () => ulid(T0, seededRandom(`run-${++runs}`));
  return { ...ctx, store, raw: redis.raw, prefix: ctx.shard.keys.prefix, nextRunId };
}

/** A run's queue item, as src/executor/run-items.ts builds it (ID: the job ID's hash). */
export function runItem(
  s: StateSetup,
  runId: string,
  kind: ItemKind,
  jobId: string,
  payload: Omit<RunItemPayload, 'runId' | 'functionId'> = {},
  at?: number,
): QueueItem {
  return s.queue.buildItem({
    id: itemIdOf(jobId),
    kind,
    accountId: ACCOUNT,
    functionId: FN,
    runId,
    maxAttempts: 3,
    at: at ?? s.clock.now(),
    payload: encodeRunItemPayload({ runId, functionId: FN, ...payload }),
  });
}

export interface TestRun {
  runId: string;
  idempotencyKey: string;
  start: QueueItem;
}

export interface RunOptions {
  runId?: string;
  /** The trigger event's ID: the idempotency key derives from it (as in schedule.ts). */
  eventId?: string;
  cancelPauses?: (runId: string) => Pause[];
  /** A start-timeout cancel item stored with the run. */
  cancelItem?: (runId: string) => QueueItem;
}

/** createRun as scheduleRun calls it: its reply and the run it asked for. */
export async function createTestRun(
  s: StateSetup,
  o: RunOptions = {},
): Promise<{ result: CreateRunResult; run: TestRun }> {
  const runId = o.runId ?? s.nextRunId();
  const eventId = o.eventId ?? `evt-${runId}`;
  const idempotencyKey = idempotencyKeyOf(FN, eventId);
  const start = runItem(s, runId, 'start', JobIds.start(stepPrefix(FN, runId)));
  const result = await s.store.createRun({
    runId,
    idempotencyKey,
    idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
    meta: encodeNewRunMeta({
      id: runId,
      functionId: FN,
      appId: APP,
      accountId: ACCOUNT,
      idempotencyKey,
      createdAt: s.clock.now(),
      maxAttempts: 3,
      stateSize: EVENTS_JSON.length,
      eventIds: [eventId],
    }),
    eventsJson: EVENTS_JSON,
    startItem: start,
    cancelPauses: o.cancelPauses?.(runId) ?? [],
    eventId,
    eventRunsTtlMs: 3600_000,
    ...(o.cancelItem ? { cancelItem: o.cancelItem(runId) } : {}),
  });
  return { result, run: { runId, idempotencyKey, start } };
}

/** A created run (throws unless createRun answered created). */
export async function newRun(s: StateSetup, o: RunOptions = {}): Promise<TestRun> {
  const { result, run } = await createTestRun(s, o);
  if (result.status !== 'created') throw new Error(`createRun answered ${result.status}`);
  return run;
}

/** Leases an item (throws when refused) and answers the lease ID. */
export async function lease(s: StateSetup, item: QueueItem, durationMs = 10_000): Promise<string> {
  const r = await s.shard.lease(item, { durationMs });
  if (!r.ok) throw new Error(`lease refused: ${r.reason}`);
  return r.leaseId;
}

/** A well-formed lease ID that no lease call handed out. */
export function foreignLeaseId(expiresAt: number): string {
  return makeLeaseId(expiresAt, seededRandom('foreign'));
}

/** A waitForEvent pause as plan-waits.ts builds it, with its timeout item. */
export function waitPause(
  s: StateSetup,
  run: TestRun,
  stepId: string,
  event: string,
  expiresAt: number,
): { pause: Pause; timeoutItem: QueueItem } {
  const prefix = stepPrefix(FN, run.idempotencyKey);
  const pauseId = itemIdOf(`${run.runId}-${stepId}-wait`);
  const timeoutItem = runItem(
    s,
    run.runId,
    'pause',
    JobIds.pauseTimeout(prefix, stepId),
    { pauseId },
    expiresAt,
  );
  const pause: Pause = {
    id: pauseId,
    runId: run.runId,
    functionId: FN,
    kind: 'wait',
    stepId,
    displayName: stepId,
    event,
    expiresAt,
    createdAt: s.clock.now(),
    triggerEventIds: [],
    jobPrefix: prefix,
    maxAttempts: 3,
    timeoutItemId: timeoutItem.id,
  };
  return { pause, timeoutItem };
}

/** An edge item of the run named by a job ID under the run's prefix. */
export function edgeItem(s: StateSetup, run: TestRun, name: string, at?: number): QueueItem {
  return runItem(s, run.runId, 'edge', `${stepPrefix(FN, run.idempotencyKey)}-${name}`, {}, at);
}

/** A step record for a memo entry. */
export function record(stepId: string, at = T0) {
  return { id: stepId, name: stepId, op: 'StepRun', startedAt: at, endedAt: at, attempts: 1 };
}

/** Every key of the shard (queue and run state share its hash tag), prefix stripped. */
export type Snapshot = Record<string, { type: string; ttl: boolean; value: unknown }>;

export async function snapshot(raw: Redis, prefix: string): Promise<Snapshot> {
  const keys = (await raw.keys(`${prefix}:*`)).sort();
  const out: Snapshot = {};
  for (const key of keys) {
    const type = await raw.type(key);
    let value: unknown;
    if (type === 'string') value = await raw.get(key);
    else if (type === 'hash') value = Object.entries(await raw.hgetall(key)).sort();
    else if (type === 'list') value = await raw.lrange(key, 0, -1);
    else if (type === 'set') value = (await raw.smembers(key)).sort();
    else if (type === 'zset') value = await raw.zrange(key, 0, -1, 'WITHSCORES');
    else value = `<${type}>`;
    out[key.slice(prefix.length + 1)] = { type, ttl: (await raw.pttl(key)) >= 0, value };
  }
  return out;
}

/** The keys (prefix stripped) whose content differs between two snapshots. */
export function changedKeys(before: Snapshot, after: Snapshot): string[] {
  const all = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...all].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** A run key as a snapshot names it (prefix stripped). */
export function local(s: StateSetup, key: string): string {
  return key.slice(s.prefix.length + 1);
}
