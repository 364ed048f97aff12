import type { EnqueueInput, Random } from '../src/index.js';
import type { FaultRates, SimOptions } from './options.js';

export type AttemptOutcome = 'ok' | 'error' | 'fatal' | 'retry-at';

/** What an attempt will do, decided when the item is generated (so the auditor can predict it). */
export interface AttemptPlan {
  outcome: AttemptOutcome;
  /** Virtual ms the handler runs. */
  durationMs: number;
  /** Runs past its lease and ignores its abort signal. */
  slow: boolean;
}

export interface PlannedItem {
  input: EnqueueInput & { id: string; payload: { plan: AttemptPlan[] } };
  /** Virtual ms after the start at which the producer enqueues it. */
  arrivalMs: number;
  /** Sleep items: run this long after their arrival. */
  delayMs: number;
  /**
   * A second enqueue of an item already planned (same ID and input), timed to meet it queued,
   * leased, or finished: the queue must refuse it (exists, tombstoned), and the auditor checks
   * each answer against what the item is at that moment.
   */
  duplicate?: 'while-queued' | 'while-leased' | 'after-completion';
}

export interface FunctionConfig {
  accountId: string;
  functionId: string;
  concurrency: number;
  throttle?: { limit: number; burst: number; periodMs: number };
  customKey?: { scope: 'fn' | 'account'; values: number; limit: number };
}

export interface Workload {
  functions: FunctionConfig[];
  accountConcurrency: Map<string, number>;
  items: PlannedItem[];
}

export const MAX_ATTEMPTS = 3;

/** A seeded tenant mix: accounts, functions with limits and throttles, and planned items. */
export function generateWorkload(random: Random, opts: SimOptions): Workload {
  const accounts = 3 + random.int(3);
  const accountConcurrency = new Map<string, number>();
  const functions: FunctionConfig[] = [];
  for (let a = 0; a < accounts; a++) {
    const accountId = `acct${a}`;
    accountConcurrency.set(accountId, 4 + random.int(12));
    const count = 2 + random.int(3);
    for (let f = 0; f < count; f++) {
      const fn: FunctionConfig = {
        accountId,
        functionId: `fn${f}`,
        concurrency: 1 + random.int(6),
      };
      if (random.int(3) === 0)
        fn.throttle = {
          limit: 1 + random.int(4),
          burst: random.int(3),
          periodMs: 500 + random.int(2500),
        };
      if (random.int(3) === 0)
        fn.customKey = {
          scope: random.int(2) ? 'fn' : 'account',
          values: 1 + random.int(3),
          limit: 1 + random.int(2),
        };
      functions.push(fn);
    }
  }
  const items: PlannedItem[] = [];
  const arrivalWindow = Math.floor(opts.durationMs * 0.6);
  // Keep the workload feasible: each throttle admits at least 3x its function's expected rate of
  // start items (40% of its share), or no liveness bound could hold.
  const startsPerMs = (0.4 * opts.items) / functions.length / Math.max(1, arrivalWindow);
  for (const fn of functions) {
    if (!fn.throttle) continue;
    const feasible = Math.ceil(3 * startsPerMs * fn.throttle.periodMs);
    fn.throttle.limit = Math.max(fn.throttle.limit, feasible);
  }
  for (let i = 0; i < opts.items; i++) {
    const fn = functions[random.int(functions.length)]!;
    const roll = random.int(10);
    const kind = roll < 4 ? 'start' : roll < 8 ? 'edge' : 'sleep';
    const arrivalMs = random.int(arrivalWindow);
    const input: PlannedItem['input'] = {
      id: `item-${i}`,
      kind,
      accountId: fn.accountId,
      functionId: fn.functionId,
      maxAttempts: MAX_ATTEMPTS,
      payload: { plan: planAttempts(random, opts.faults, opts.leaseMs) },
    };
    const delayMs = kind === 'sleep' ? random.int(10_000) : 0;
    if (kind === 'start' && fn.throttle) input.throttle = { ...fn.throttle };
    if (random.int(10) === 0 && kind !== 'sleep') input.priorityFactorS = random.int(5) - 2;
    if (fn.customKey) {
      input.customKeys = [
        {
          scope: fn.customKey.scope,
          key: `k${random.int(fn.customKey.values)}`,
          limit: fn.customKey.limit,
        },
      ];
    }
    items.push({ input, arrivalMs, delayMs });
  }
  addBursts(random, opts, functions, accountConcurrency, items, arrivalWindow);
  addDuplicates(random, opts, items);
  items.sort((a, b) => a.arrivalMs - b.arrivalMs || (a.input.id < b.input.id ? -1 : 1));
  return { functions, accountConcurrency, items };
}

function planAttempts(random: Random, faults: FaultRates, leaseMs: number): AttemptPlan[] {
  const plan: AttemptPlan[] = [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const r = random.int(1000);
    let outcome: AttemptOutcome = 'ok';
    if (r < faults.handlerError) outcome = 'error';
    else if (r < faults.handlerError + faults.handlerNonRetriable) outcome = 'fatal';
    else if (r < faults.handlerError + faults.handlerNonRetriable + faults.handlerRetryAt)
      outcome = 'retry-at';
    const slow = random.int(1000) < faults.slowHandler;
    const durationMs = slow
      ? Math.round(leaseMs * (1.5 + random.next() * 1.5))
      : 1 + random.int(150);
    plan.push({ outcome, durationMs, slow });
  }
  return plan;
}

/** What a plan predicts: completed at its first 'ok', failed at a 'fatal' or out of attempts. */
export function expectedOutcome(plan: AttemptPlan[]): 'completed' | 'failed' {
  for (const p of plan) {
    if (p.outcome === 'ok') return 'completed';
    if (p.outcome === 'fatal') return 'failed';
  }
  return 'failed';
}

/**
 * One throttled function whose start items arrive in bursts (8 at one instant, every 5% of the
 * arrival window), so its throttle runs saturated: the only way the throttle bound is really
 * tested. Each burst drains well before the next (8 admissions take under 4 periods).
 */
function addBursts(
  random: Random,
  opts: SimOptions,
  functions: FunctionConfig[],
  accountConcurrency: Map<string, number>,
  items: PlannedItem[],
  arrivalWindow: number,
): void {
  const accountId = 'acct-burst';
  const fn: FunctionConfig = {
    accountId,
    functionId: 'bursty',
    concurrency: 4,
    throttle: { limit: 2, burst: 1, periodMs: Math.max(100, Math.floor(arrivalWindow / 100)) },
  };
  functions.push(fn);
  accountConcurrency.set(accountId, 4);
  const every = Math.max(1, Math.floor(arrivalWindow / 20));
  for (let at = every, b = 0; at < arrivalWindow; at += every, b++) {
    for (let i = 0; i < 8; i++) {
      items.push({
        input: {
          id: `burst-${b}-${i}`,
          kind: 'start',
          accountId,
          functionId: fn.functionId,
          maxAttempts: MAX_ATTEMPTS,
          throttle: { ...fn.throttle! },
          payload: { plan: planAttempts(random, opts.faults, opts.leaseMs) },
        },
        arrivalMs: at,
        delayMs: 0,
      });
    }
  }
}

/** Per mille of planned items that get a duplicate enqueue. */
const DUPLICATE_PER_MILLE = 40;

/**
 * Duplicate enqueues of about 4% of the items, at seeded times chosen to meet each one queued
 * (a sleep item, while its delay runs), leased (a slow first attempt, half a lease in), or
 * finished (well after its arrival). Where one lands is decided by the run; the auditor checks
 * the answer against the item's state then, and counts which states were met.
 */
function addDuplicates(random: Random, opts: SimOptions, items: PlannedItem[]): void {
  const originals = [...items];
  for (const original of originals) {
    if (random.int(1000) >= DUPLICATE_PER_MILLE) continue;
    const roll = random.int(3);
    const slow = original.input.payload.plan[0]!.slow;
    let duplicate: NonNullable<PlannedItem['duplicate']>;
    let afterMs: number;
    if (roll === 0 && original.delayMs > 0) {
      duplicate = 'while-queued';
      afterMs = random.int(Math.max(1, Math.floor(original.delayMs / 2)));
    } else if (roll === 1 || slow) {
      duplicate = 'while-leased';
      afterMs = slow ? Math.floor(opts.leaseMs / 2) : 20 + random.int(60);
    } else {
      duplicate = 'after-completion';
      afterMs = 15_000 + random.int(15_000);
    }
    items.push({ ...original, arrivalMs: original.arrivalMs + afterMs, duplicate });
  }
}
