import type { QueueItem } from '../../src/internal.js';
import { FLOW, FN, type SimEventData } from './functions.js';
import { GATE_FN, GATES } from './gates.js';

/**
 * What a run's items must carry for flow control, from the simulation's own function config
 * (sim/executor/functions.ts FLOW) and the run's trigger event, never from what the product put
 * on them. A key is named by what it stands for (`fn#value`), not by the product's canonical form.
 */
export interface ExpectedFlow {
  /** The run's custom concurrency keys, in config order. */
  keys: { id: string; limit: number }[];
  throttle: { id: string; limit: number; burst: number; periodMs: number } | null;
  /** The priority factor, seconds (clamped as documented: ±PRIORITY_RUN_MAX_S). */
  priorityS: number;
  /** The function's own concurrency limit, if it has one. */
  fnLimit: number | null;
}

/** Inngest's documented default range for `priority.run`, seconds. */
export const PRIORITY_RUN_MAX_S = 600;
/** Items due within this window are scored at their run's start (reference §11.6). */
export const PRIORITY_WINDOW_MS = 2000;
/** Kinds that call the SDK: they carry the run's keys and priority. */
export const STEP_KINDS: ReadonlySet<string> = new Set(['start', 'edge', 'edge-error']);

export function expectedFlow(fn: string, data: Partial<SimEventData>): ExpectedFlow {
  const flow: ExpectedFlow = { keys: [], throttle: null, priorityS: 0, fnLimit: null };
  if (fn === FN.keyed)
    flow.keys = FLOW.keyed.map((k) => ({
      id: `${'scope' in k ? k.scope : fn}#${String(data[k.field])}`,
      limit: k.limit,
    }));
  if (fn === FN.limited) flow.fnLimit = FLOW.limited;
  if (fn === FN.throttled) {
    const { limit, burst, periodMs } = FLOW.throttle;
    flow.throttle = { id: `${fn}#${String(data.tenant)}`, limit, burst, periodMs };
  }
  if (fn === GATE_FN.timedStart) {
    const { limit, burst, periodMs } = GATES.timedStart.throttle;
    flow.throttle = { id: `${fn}#${String(data.tenant)}`, limit, burst, periodMs };
  }
  if (fn === FN.prioritized && typeof data.priority === 'number')
    flow.priorityS = Math.max(-PRIORITY_RUN_MAX_S, Math.min(PRIORITY_RUN_MAX_S, data.priority));
  return flow;
}

/**
 * The product's canonical key for each key the config names, learnt from the first item that
 * carries it: one canonical per key, and one key per canonical (two tenants never share a slot).
 */
export class KeyBinding {
  private readonly canonicalOf = new Map<string, string>();
  private readonly idOf = new Map<string, string>();

  /** null when consistent, else what is wrong. */
  bind(id: string, canonical: string): string | null {
    const c = this.canonicalOf.get(id);
    const i = this.idOf.get(canonical);
    if (c !== undefined && c !== canonical) return `${id} is ${canonical}, earlier ${c}`;
    if (i !== undefined && i !== id) return `${canonical} stands for ${id} and for ${i}`;
    this.canonicalOf.set(id, canonical);
    this.idOf.set(canonical, id);
    return null;
  }
}

type Fail = (invariant: string, message: string) => void;

/**
 * An item of a run against what the run must carry: a step item the run's keys (a system item
 * none), a start item the function's throttle (any other none), a step item the run's priority
 * factor and, when due, the score of its run's start less that factor (its run's start as the
 * scheduling process's clock read it: within the skew bound of any other process's).
 */
export function checkItemFlow(
  item: QueueItem,
  want: ExpectedFlow,
  run: { startMs: number; label: string },
  ctx: { now: number; maxSkewMs: number; keys: KeyBinding; fail: Fail },
): void {
  const step = STEP_KINDS.has(item.kind);
  const what = `${item.kind} item ${item.id} of run ${run.label}`;
  const keys = step ? want.keys : [];
  const got = item.customKeys;
  if (got.length !== keys.length || keys.some((k, i) => got[i]!.limit !== k.limit))
    return ctx.fail(
      'keys-carried',
      `${what} carries keys [${got.map((c) => `${c.canonical}/${c.limit}`).join(', ')}], expected [${keys.map((k) => `${k.id}/${k.limit}`).join(', ')}]`,
    );
  for (const [i, k] of keys.entries()) {
    const wrong = ctx.keys.bind(k.id, got[i]!.canonical);
    if (wrong) return ctx.fail('keys-carried', `${what}: ${wrong}`);
  }
  checkThrottle(item, item.kind === 'start' ? want.throttle : null, what, ctx);
  checkPriority(item, step ? want.priorityS : 0, run.startMs, what, ctx);
}

function checkThrottle(
  item: QueueItem,
  want: ExpectedFlow['throttle'],
  what: string,
  ctx: { keys: KeyBinding; fail: Fail },
): void {
  const t = item.throttle;
  const same =
    t === undefined
      ? want === null
      : want !== null &&
        t.limit === want.limit &&
        t.burst === want.burst &&
        t.periodMs === want.periodMs;
  if (!same)
    return ctx.fail(
      'throttle-carried',
      `${what} carries throttle ${JSON.stringify(t ?? null)}, expected ${JSON.stringify(want)}`,
    );
  const wrong = t && want ? ctx.keys.bind(`throttle:${want.id}`, `throttle:${t.canonical}`) : null;
  if (wrong) ctx.fail('throttle-carried', `${what}: ${wrong}`);
}

function checkPriority(
  item: QueueItem,
  factorS: number,
  startMs: number,
  what: string,
  ctx: { now: number; maxSkewMs: number; fail: Fail },
): void {
  if (item.priorityFactorS !== factorS)
    return ctx.fail(
      'priority',
      `${what} carries priority factor ${item.priorityFactorS} s, expected ${factorS} s`,
    );
  if (!STEP_KINDS.has(item.kind) || item.wallTimeMs > ctx.now + PRIORITY_WINDOW_MS) return;
  const base = item.score + factorS * 1000;
  if (base > startMs || base < startMs - ctx.maxSkewMs)
    ctx.fail(
      'priority',
      `${what} is scored ${item.score}: its run's start ${startMs} less ${factorS} s would be ${startMs - factorS * 1000}`,
    );
}
