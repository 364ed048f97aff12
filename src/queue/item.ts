import { UnknownVersionError } from '../core/errors.js';

/**
 * Kinds of queue item, by the names Inngest gives them (so that records and traces read alike).
 * Run kinds carry a function run's steps; system kinds are timers and jobs of the engine.
 */
export const ITEM_KIND_MEANINGS = {
  /** A run's first step: execute the function from the top. */
  start: 'run start',
  /** The next step of a run, after a step ended (an edge of the step graph). */
  edge: 'next step',
  /** Saves a step's final error (after its retries) and runs what follows. */
  'edge-error': 'final step error',
  /** A run resuming after step.sleep. */
  sleep: 'sleep wake-up',
  /** A waitForEvent (or invoke) timing out. */
  pause: 'pause timeout',
  /** A debounce timer firing: the last event of the quiet period starts its run. */
  debounce: 'debounce fire',
  /** An event batch's timeout: the batch starts its run though not full. */
  'schedule-batch': 'batch timeout',
  /**
   * durq's own: emits a run's terminal events (inngest/function.finished, .failed, .cancelled)
   * after its finish committed, so that a crash between the two loses none (they go out at least
   * once; their effects are idempotent by event ID).
   */
  finish: 'run finish',
  /** An eager cancellation (a run's start or finish timeout). */
  cancel: 'cancellation',
  /** "Pause blocks flush": moves buffered pauses to their long-term store. */
  pbf: 'pause buffer flush',
  /** "Job promotion": re-scores a future item when its time comes near (for priority). */
  jps: 'job promotion',
  /** "Function pause": stops a function's runs from starting. */
  fp: 'function pause',
  /** "Function unpause": lets them start again. */
  fup: 'function unpause',
  /** Keeps the cron schedules in step with the registered functions. */
  'cron-sync': 'cron sync',
  /** One scheduled tick of a cron-triggered function. */
  cron: 'cron tick',
  /** Checks that every cron schedule still has its next tick queued. */
  'cron-health-check': 'cron health check',
  /** "Latency canary": a no-op item whose queue wait measures the queue's latency. */
  ltc: 'latency canary',
} as const;

/** Kinds of queue item: see ITEM_KIND_MEANINGS for what each is. */
export const ITEM_KINDS = Object.keys(ITEM_KIND_MEANINGS) as (keyof typeof ITEM_KIND_MEANINGS)[];
export type ItemKind = keyof typeof ITEM_KIND_MEANINGS;

/**
 * Kinds whose score is promoted to their run's start time when due within the promotion window.
 * A run's `finish` is one (durq's own; Inngest emits the terminal events inline): it shares the
 * function partition with the start items, and scored at its enqueue time it would wait behind
 * the whole backlog of runs created before the run ended.
 */
export const PROMOTABLE_KINDS: ReadonlySet<ItemKind> = new Set([
  'start',
  'edge',
  'edge-error',
  'sleep',
  'pause',
  'finish',
]);
/** Kinds that a priority factor moves ahead. Sleeps keep their time. */
export const PRIORITY_FACTOR_KINDS: ReadonlySet<ItemKind> = new Set([
  'start',
  'edge',
  'edge-error',
]);

export type CustomKeyScope = 'fn' | 'env' | 'account';

/** A custom concurrency key as given at enqueue: its evaluated value, scope and limit. */
export interface CustomKeyInput {
  scope: CustomKeyScope;
  /** The evaluated key expression (e.g. a user ID); any string. */
  key: string;
  /** Leases allowed at once for this key; a positive integer. */
  limit: number;
}

/** A GCRA throttle on run starts: `limit` per `periodMs`, with `burst` extra at once. */
export interface ThrottleInput {
  /** Optional evaluated throttle key; without one the throttle is per function. */
  key?: string;
  limit: number;
  burst?: number;
  periodMs: number;
}

/** What a producer enqueues. */
export interface EnqueueInput {
  /** Job ID for idempotency; a ULID is generated when absent. */
  id?: string;
  kind: ItemKind;
  accountId?: string;
  functionId?: string;
  envId?: string;
  /** The run's ULID: its timestamp orders due steps of older runs first. */
  runId?: string;
  /** Routes the item to the system partition of this name instead of its function's partition. */
  queueName?: string;
  /** When the item should run, ms epoch; defaults to now. */
  at?: number;
  /** Seconds in [-43200, 43200]; start/edge items due now move ahead by this much. */
  priorityFactorS?: number;
  /** Attempts before a failing item ends (default 5). */
  maxAttempts?: number;
  /** Any JSON-serialisable value. */
  payload?: unknown;
  /** Up to two custom concurrency keys. */
  customKeys?: CustomKeyInput[];
  /** A throttle; start items only. */
  throttle?: ThrottleInput;
  /** How long the ID stays reserved after dequeue (default: the queue's tombstone TTL). */
  idempotencyTtlMs?: number;
}

/** A custom concurrency key as stored: canonical (scope, scope entity, hashed value) and limit. */
export interface CustomKey {
  canonical: string;
  limit: number;
}

export interface Throttle {
  canonical: string;
  limit: number;
  burst: number;
  periodMs: number;
}

/** An item as the queue stores it. */
export interface QueueItem {
  id: string;
  kind: ItemKind;
  partitionId: string;
  accountId?: string;
  functionId?: string;
  envId?: string;
  runId?: string;
  queueName?: string;
  /** Requested run time minus the priority factor, ms. */
  at: number;
  /** Wall time it should run, ms (accounting). */
  wallTimeMs: number;
  /** Its score in the ready set, ms. */
  score: number;
  /** 0-based count of failed attempts so far. */
  attempt: number;
  maxAttempts: number;
  priorityFactorS: number;
  /** JSON text of the payload (undefined when none). */
  payloadJson?: string;
  customKeys: CustomKey[];
  throttle?: Throttle;
  /** Starts at 1; +1 on every requeue and scavenge. */
  generation: number;
  scavengeCount: number;
  enqueuedAt: number;
  idempotencyTtlMs?: number;
}

/** The schema version written into every stored item (`v`); see decodeItem. */
export const ITEM_VERSION = 1;
const ITEM_VERSIONS: readonly number[] = [ITEM_VERSION];

/**
 * The stored JSON. Short names keep the hash small (one entry per item); Lua edits at, wt,
 * score, atts, gen and sc. Each field is QueueItem's of the same position.
 */
interface StoredItem {
  /** Schema version: refused on read when unknown (lua/includes/decode_item.lua too). */
  v: number;
  id: string;
  k: ItemKind;
  p: string;
  a?: string;
  f?: string;
  e?: string;
  r?: string;
  q?: string;
  at: number;
  wt: number;
  score: number;
  atts: number;
  max: number;
  pf?: number;
  d?: string;
  ck?: { k: string; l: number }[];
  th?: { k: string; l: number; b: number; p: number };
  gen: number;
  sc: number;
  eat: number;
  ttl?: number;
}

export function encodeItem(item: QueueItem): string {
  const stored: StoredItem = {
    v: ITEM_VERSION,
    id: item.id,
    k: item.kind,
    p: item.partitionId,
    a: item.accountId,
    f: item.functionId,
    e: item.envId,
    r: item.runId,
    q: item.queueName,
    at: item.at,
    wt: item.wallTimeMs,
    score: item.score,
    atts: item.attempt,
    max: item.maxAttempts,
    pf: item.priorityFactorS === 0 ? undefined : item.priorityFactorS,
    d: item.payloadJson,
    // Never store an empty array: cjson would write it back as an object.
    ck: item.customKeys.length
      ? item.customKeys.map((c) => ({ k: c.canonical, l: c.limit }))
      : undefined,
    th: item.throttle && {
      k: item.throttle.canonical,
      l: item.throttle.limit,
      b: item.throttle.burst,
      p: item.throttle.periodMs,
    },
    gen: item.generation,
    sc: item.scavengeCount,
    eat: item.enqueuedAt,
    ttl: item.idempotencyTtlMs,
  };
  return JSON.stringify(stored);
}

/** Reads a stored item; UnknownVersionError when its schema version is not known here. */
export function decodeItem(json: string): QueueItem {
  const s = JSON.parse(json) as StoredItem;
  if (!ITEM_VERSIONS.includes(s.v)) throw new UnknownVersionError('item', s.v, ITEM_VERSIONS);
  const item: QueueItem = {
    id: s.id,
    kind: s.k,
    partitionId: s.p,
    at: s.at,
    wallTimeMs: s.wt,
    score: s.score,
    attempt: s.atts,
    maxAttempts: s.max,
    priorityFactorS: s.pf ?? 0,
    customKeys: Array.isArray(s.ck) ? s.ck.map((c) => ({ canonical: c.k, limit: c.l })) : [],
    generation: s.gen,
    scavengeCount: s.sc ?? 0,
    enqueuedAt: s.eat,
  };
  if (s.a !== undefined) item.accountId = s.a;
  if (s.f !== undefined) item.functionId = s.f;
  if (s.e !== undefined) item.envId = s.e;
  if (s.r !== undefined) item.runId = s.r;
  if (s.q !== undefined) item.queueName = s.q;
  if (s.d !== undefined) item.payloadJson = s.d;
  if (s.th) item.throttle = { canonical: s.th.k, limit: s.th.l, burst: s.th.b, periodMs: s.th.p };
  if (s.ttl !== undefined) item.idempotencyTtlMs = s.ttl;
  return item;
}

/** The payload, parsed. */
export function itemPayload(item: QueueItem): unknown {
  return item.payloadJson === undefined ? undefined : JSON.parse(item.payloadJson);
}
