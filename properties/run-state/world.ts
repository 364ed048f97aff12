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
/** The trigger events createRun stores (their size starts the run's state size). */
const EVENTS = JSON.stringify([{ name: 'e', data: {}, id: 'evt', ts: 1, user: {} }]);

/** What the model expects of the one run a history drives. */
export interface RunModel {
  status: 'open' | 'completed' | 'failed' | 'cancelled';
  /** The result (completed) or error (failed) JSON the first finish stored. */
  outcome: string | null;
  memo: Map<string, string>;
  stack: string[];
  /** The run's state size: its events plus every saved result, in bytes. */
  stateSize: number;
  /** disable_immediate_execution: set by a parallel plan, reset once nothing is pending. */
  die: '0' | '1';
  /** A pause waiting (at most one at a time; none while a step item is leased). */
  pause: string | null;
  /** The pause's timeout item: queued, or fired (leased to the test, its resume not yet run). */
  timeout: 'queued' | 'leased' | null;
  /** A fired timeout item whose pause was consumed first (by an event): it must find it gone. */
  lateTimeout: boolean;
  /** Whether a step item of the run is leased to the test (the next commit's fence). */
  leased: boolean;
  /** A parallel plan: the steps still outstanding (the pending set) ... */
  pending: string[];
  /** ... and those whose planned item has not run yet. */
  branches: string[];
  /** The plan's coalesced discovery is queued (enqueued by the last step to finish). */
  discovery: boolean;
  /** The IDs of the items the shard holds: the shard is fresh, so every item is the run's. */
  items: Set<string>;
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
  pause: { pause: Pause; timeoutItem: QueueItem; leaseId?: string } | null;
  /** The fired timeout item of a pause an event consumed first, still leased to the test. */
  late: { pause: Pause; timeoutItem: QueueItem; leaseId: string } | null;
  /** The parallel plan's planned items by step, and its coalesced discovery. */
  branches: Map<string, QueueItem>;
  discovery: QueueItem | null;
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
export async function createRun(
  r: Omit<RunReal, 'current' | 'pause' | 'late' | 'branches' | 'discovery' | 'seq'>,
): Promise<RunReal> {
  const real: RunReal = {
    ...r,
    current: null,
    pause: null,
    late: null,
    branches: new Map(),
    discovery: null,
    seq: 0,
  };
  const start = runItem(real, 'start', JobIds.start(stepPrefix(FN, r.runId)));
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
      stateSize: EVENTS.length,
      eventIds: ['evt'],
    }),
    eventsJson: EVENTS,
    startItem: start,
    cancelPauses: [],
    eventId: 'evt',
    eventRunsTtlMs: 60_000,
  });
  if (created.status !== 'created') throw new Error(`createRun answered ${created.status}`);
  await leaseTo(real, start);
  return real;
}

/** What the model expects of a run just created, its start item leased to the test. */
export function newModel(r: RunReal): RunModel {
  return {
    status: 'open',
    outcome: null,
    memo: new Map(),
    stack: [],
    stateSize: EVENTS.length,
    die: '0',
    pause: null,
    timeout: null,
    lateTimeout: false,
    leased: true,
    pending: [],
    branches: [],
    discovery: false,
    items: new Set([(r.current as NonNullable<RunReal['current']>).item.id]),
  };
}

export { idempotencyKeyOf, stepPrefix };

/**
 * Holds the real run's state to the model's: status, memo, stack, step count and state size,
 * the pending set and die flag, the stored pauses, and every item on the shard (queued or
 * leased).
 */
export async function expectMatches(m: RunModel, r: RunReal): Promise<void> {
  const k = r.store.keys;
  const stack = await r.raw.lrange(k.stack(r.runId), 0, -1);
  if (JSON.stringify(stack) !== JSON.stringify(m.stack))
    throw new Error(`stack ${JSON.stringify(stack)}, model ${JSON.stringify(m.stack)}`);
  const meta = await r.raw.hgetall(k.meta(r.runId));
  const want = m.status === 'open' ? ['scheduled', 'running'] : [m.status];
  if (!want.includes(meta['status'] ?? ''))
    throw new Error(`status ${meta['status']}, model ${m.status}`);
  const memo = await r.raw.hgetall(k.memo(r.runId));
  const wantMemo = m.status === 'open' ? Object.fromEntries(m.memo) : {};
  if (JSON.stringify(sorted(memo)) !== JSON.stringify(sorted(wantMemo)))
    throw new Error(`memo ${JSON.stringify(memo)}, model ${JSON.stringify(wantMemo)}`);
  const counts = {
    steps: meta['step_count'],
    size: meta['state_size'],
    die: meta['die'],
    result: meta['result'],
    error: meta['error'],
  };
  const wantCounts = {
    steps: String(m.stack.length),
    size: String(m.stateSize),
    die: m.die,
    result: m.status === 'completed' ? m.outcome : undefined,
    error: m.status === 'failed' ? m.outcome : undefined,
  };
  if (JSON.stringify(counts) !== JSON.stringify(wantCounts))
    throw new Error(`meta ${JSON.stringify(counts)}, model ${JSON.stringify(wantCounts)}`);
  const pending = (await r.raw.smembers(k.pending(r.runId))).sort();
  if (JSON.stringify(pending) !== JSON.stringify([...m.pending].sort()))
    throw new Error(`pending ${JSON.stringify(pending)}, model ${JSON.stringify(m.pending)}`);
  const pauses = await r.raw.hkeys(k.pauses());
  const wantPauses = m.pause === null ? [] : [(r.pause as NonNullable<RunReal['pause']>).pause.id];
  if (JSON.stringify(pauses) !== JSON.stringify(wantPauses))
    throw new Error(`pauses ${JSON.stringify(pauses)}, model ${JSON.stringify(wantPauses)}`);
  const items = (await r.raw.hkeys(r.shard.keys.items())).sort();
  const wantItems = [...m.items].sort();
  if (JSON.stringify(items) !== JSON.stringify(wantItems))
    throw new Error(`items ${describeItems(r, items)}, model ${describeItems(r, wantItems)}`);
}

/** Item IDs with what the test knows them as, for a failure message. */
function describeItems(r: RunReal, ids: string[]): string {
  const names = new Map<string, string>();
  if (r.current) names.set(r.current.item.id, 'current');
  if (r.pause) names.set(r.pause.timeoutItem.id, 'timeout');
  if (r.late) names.set(r.late.timeoutItem.id, 'late timeout');
  for (const [step, item] of r.branches) names.set(item.id, `branch ${step}`);
  if (r.discovery) names.set(r.discovery.id, 'discovery');
  return JSON.stringify(ids.map((id) => names.get(id) ?? id.slice(0, 8)));
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
