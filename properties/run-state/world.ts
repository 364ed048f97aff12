import type { Redis } from 'ioredis';
import {
  encodeNewRunMeta,
  encodeRunItemPayload,
  idempotencyKeyOf,
  itemIdOf,
  JobIds,
  leaseId as makeLeaseId,
  seededRandom,
  stepPrefix,
  type ManualClock,
  type Pause,
  type Queue,
  type QueueItem,
  type QueueShard,
  type RunStore,
} from '../../src/internal.js';

export const FN = 'model-fn';
export const MAX_STATE = 1024 * 1024;

/** What the model expects of the one run a history drives. */
export interface RunModel {
  status: 'open' | 'completed' | 'cancelled';
  memo: Map<string, string>;
  stack: string[];
  /** A pause waiting (at most one at a time; none while a step item is leased). */
  pause: string | null;
  /** Whether a step item of the run is leased to the test (the next commit's fence). */
  leased: boolean;
}

/** The real system: one run on a fresh shard, and the test's handles on it. */
export interface RunReal {
  store: RunStore;
  shard: QueueShard;
  queue: Queue;
  clock: ManualClock;
  raw: Redis;
  runId: string;
  idempotencyKey: string;
  current: { item: QueueItem; leaseId: string } | null;
  pause: { pause: Pause; timeoutItem: QueueItem } | null;
  seq: number;
}

export function runItem(
  r: RunReal,
  kind: QueueItem['kind'],
  jobId: string,
  payload = {},
  at?: number,
) {
  return r.queue.buildItem({
    id: itemIdOf(jobId),
    kind,
    accountId: 'acct',
    functionId: FN,
    runId: r.runId,
    maxAttempts: 3,
    at: at ?? r.clock.now(),
    payload: encodeRunItemPayload({ runId: r.runId, functionId: FN, ...payload }),
  });
}

export function nextJob(r: RunReal, what: string): string {
  return `${stepPrefix(FN, r.runId)}-${what}-${++r.seq}`;
}

/** Leases an item to the test; throws when refused (the model says it must be free). */
export async function leaseTo(r: RunReal, item: QueueItem): Promise<void> {
  const lease = await r.shard.lease(item, { durationMs: 60_000 });
  if (!lease.ok) throw new Error(`lease of ${item.id} refused: ${lease.reason}`);
  r.current = { item, leaseId: lease.leaseId };
}

/** A lease ID nobody was given. */
export function foreignLease(r: RunReal): string {
  return makeLeaseId(r.clock.now() + 60_000, seededRandom(`foreign-${r.seq}`));
}

/** Creates the run and leases its start item. */
export async function createRun(r: Omit<RunReal, 'current' | 'pause' | 'seq'>): Promise<RunReal> {
  const real: RunReal = { ...r, current: null, pause: null, seq: 0 };
  const start = runItem(real, 'start', JobIds.start(stepPrefix(FN, r.runId)));
  const events = JSON.stringify([{ name: 'e', data: {}, id: 'evt', ts: 1, user: {} }]);
  const created = await r.store.createRun({
    runId: r.runId,
    idempotencyKey: r.idempotencyKey,
    idempotencyTtlMs: 86_400_000,
    meta: encodeNewRunMeta({
      id: r.runId,
      functionId: FN,
      appId: 'app',
      accountId: 'acct',
      idempotencyKey: r.idempotencyKey,
      createdAt: r.clock.now(),
      maxAttempts: 3,
      stateSize: events.length,
      eventIds: ['evt'],
    }),
    eventsJson: events,
    startItem: start,
    cancelPauses: [],
    eventId: 'evt',
    eventRunsTtlMs: 60_000,
  });
  if (created.status !== 'created') throw new Error(`createRun answered ${created.status}`);
  await leaseTo(real, start);
  return real;
}

export { idempotencyKeyOf, stepPrefix };

/** Holds the real run's state to the model's (memo and stack; status). */
export async function expectMatches(m: RunModel, r: RunReal): Promise<void> {
  const k = r.store.keys;
  const stack = await r.raw.lrange(k.stack(r.runId), 0, -1);
  if (JSON.stringify(stack) !== JSON.stringify(m.stack))
    throw new Error(`stack ${JSON.stringify(stack)}, model ${JSON.stringify(m.stack)}`);
  const status = await r.raw.hget(k.meta(r.runId), 'status');
  const want = m.status === 'open' ? ['scheduled', 'running'] : [m.status];
  if (!want.includes(status ?? '')) throw new Error(`status ${status}, model ${m.status}`);
  const memo = await r.raw.hgetall(k.memo(r.runId));
  const wantMemo = m.status === 'open' ? Object.fromEntries(m.memo) : {};
  if (JSON.stringify(sorted(memo)) !== JSON.stringify(sorted(wantMemo)))
    throw new Error(`memo ${JSON.stringify(memo)}, model ${JSON.stringify(wantMemo)}`);
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
