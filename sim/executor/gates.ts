import type { InngestFunction } from 'inngest';
import type { Random } from '../../src/internal.js';

/**
 * Flow-control gates from the function config (reference §11.3, §11.5, §11.7): rateLimit with a
 * key, idempotency, singleton (skip and cancel) and timeouts (start and finish). The gates
 * auditor (gates-auditor.ts) holds the product to these values, never to what it wrote.
 */
export const GATES = {
  /** sim-rate-limited: 2 runs per 10 s per tenant; burst floor(2 / 10) = 0. */
  rateLimit: { limit: 2, period: '10s', periodMs: 10_000, key: 'event.data.tenant' },
  /** sim-idempotent: one run per tenant per 24 h (a rate limit of 1 per 24 h). */
  idempotency: { key: 'event.data.tenant', periodMs: 24 * 3_600_000 },
  /** sim-single-skip: one open run per tenant; s1, a 3 s sleep, s2. */
  singleSkip: { key: 'event.data.tenant', mode: 'skip', holdMs: 3000 },
  /** sim-single-cancel: a newcomer cancels the holder; a 10 s sleep first, then s1. */
  singleCancel: { key: 'event.data.tenant', mode: 'cancel', holdMs: 10_000 },
  /** sim-timed-finish: 2 s from its first step to its end; s1, a nap, s2. */
  timedFinish: { finish: '2s', finishMs: 2000, naps: ['300ms', '5s'] },
  /**
   * sim-timed-start: 2 s from creation to its first step, behind a throttle of 1 start per 10 s
   * per tenant (burst 1): the third of a burst waits past its start deadline.
   */
  timedStart: {
    start: '2s',
    startMs: 2000,
    throttle: { limit: 1, period: '10s', periodMs: 10_000, burst: 1, key: 'event.data.tenant' },
  },
} as const;

export const GATE_FN = {
  rateLimited: 'sim-rate-limited',
  idempotent: 'sim-idempotent',
  singleSkip: 'sim-single-skip',
  singleCancel: 'sim-single-cancel',
  timedFinish: 'sim-timed-finish',
  timedStart: 'sim-timed-start',
} as const;
export type GateGroup = keyof typeof GATE_FN;
const GROUPS = Object.keys(GATE_FN) as GateGroup[];

/** The run-creating function of each rate-limited gate, and its limit (from GATES). */
export const RATE_LIMITS: Readonly<Record<string, { limit: number; periodMs: number }>> = {
  [GATE_FN.rateLimited]: GATES.rateLimit,
  [GATE_FN.idempotent]: { limit: 1, periodMs: GATES.idempotency.periodMs },
};
export const SINGLETONS: Readonly<Record<string, 'skip' | 'cancel'>> = {
  [GATE_FN.singleSkip]: 'skip',
  [GATE_FN.singleCancel]: 'cancel',
};
export const TIMEOUTS: Readonly<Record<string, { startMs?: number; finishMs?: number }>> = {
  [GATE_FN.timedFinish]: { finishMs: GATES.timedFinish.finishMs },
  [GATE_FN.timedStart]: { startMs: GATES.timedStart.startMs },
};

export interface GateData {
  gate: number;
  key: string;
  tenant: string;
  plan: Record<string, ('ok' | 'error')[]>;
  /** sim-timed-finish: the nap between its steps. */
  nap?: string;
}

/** What a gate function's body uses of the SDK's context (sim/executor/functions.ts has it all). */
interface GateCtx {
  event: { data: unknown };
  step: { sleep: (id: string, d: string) => Promise<void> };
}

/** The gate functions, defined with functions.ts's `fn` and `planned` (its step.run helper). */
export function gateFunctions<C extends GateCtx>(
  fn: (id: string, event: string, body: (c: C) => Promise<unknown>, extra?: object) => unknown,
  planned: (c: C, name: string) => Promise<string>,
): InngestFunction.Any[] {
  const { rateLimit: rl, singleSkip, singleCancel, timedFinish, timedStart } = GATES;
  const one = async (c: C) => planned(c, 's1');
  const data = (c: C) => c.event.data as GateData;
  return [
    fn('rate-limited', 'sim/rate-limited', one, {
      rateLimit: { limit: rl.limit, period: rl.period, key: rl.key },
    }),
    fn('idempotent', 'sim/idempotent', one, { idempotency: GATES.idempotency.key }),
    fn(
      'single-skip',
      'sim/single-skip',
      async (c) => {
        const a = await planned(c, 's1');
        await c.step.sleep('hold', `${singleSkip.holdMs}ms`);
        return [a, await planned(c, 's2')];
      },
      { singleton: { key: singleSkip.key, mode: singleSkip.mode } },
    ),
    fn(
      'single-cancel',
      'sim/single-cancel',
      async (c) => {
        await c.step.sleep('hold', `${singleCancel.holdMs}ms`);
        return await planned(c, 's1');
      },
      { singleton: { key: singleCancel.key, mode: singleCancel.mode } },
    ),
    fn(
      'timed-finish',
      'sim/timed-finish',
      async (c) => {
        const a = await planned(c, 's1');
        await c.step.sleep('nap', data(c).nap ?? '1ms');
        return [a, await planned(c, 's2')];
      },
      { timeouts: { finish: timedFinish.finish } },
    ),
    fn('timed-start', 'sim/timed-start', one, {
      timeouts: { start: timedStart.start },
      throttle: {
        limit: timedStart.throttle.limit,
        period: timedStart.throttle.period,
        burst: timedStart.throttle.burst,
        key: timedStart.throttle.key,
      },
    }),
  ] as InngestFunction.Any[];
}

/** One gate event (a story of the gates workload): its run may be skipped by design. */
export interface GateStory {
  n: number;
  group: GateGroup;
  arrivalMs: number;
  event: { id: string; name: string; data: GateData };
  /** Delivered twice (same event ID): still one run or one skipped record. */
  twice: boolean;
}

/** Bursts snap to this grid: a key's gate has reset (rate, singleton) between slots. */
export const GATE_GRID_MS = 15_000;
/** Events per burst, by group: [min, max]. */
const BURST: Record<GateGroup, [number, number]> = {
  rateLimited: [3, 4],
  idempotent: [2, 2],
  singleSkip: [2, 3],
  singleCancel: [2, 3],
  timedFinish: [2, 2],
  timedStart: [3, 3],
};

/**
 * The gates workload: in the first slot of the grid a burst of every group, in later slots each
 * group's burst with probability 1/3; a burst is 2–4 events of one tenant within ~0.5 s.
 */
export function generateGateStories(
  random: Random,
  spanMs: number,
  twicePerMille: number,
): GateStory[] {
  const out: GateStory[] = [];
  const slots = Math.max(1, Math.floor(spanMs / GATE_GRID_MS));
  for (let slot = 0; slot < slots; slot++)
    for (const group of GROUPS) {
      if (slot > 0 && random.int(3) !== 0) continue;
      const [min, max] = BURST[group];
      const size = min + random.int(max - min + 1);
      const tenant = `t${random.int(2)}`;
      let at = slot * GATE_GRID_MS + random.int(GATE_GRID_MS - 5000);
      for (let i = 0; i < size; i++, at += random.int(150)) {
        const n = out.length;
        const data: GateData = {
          gate: n,
          key: `gate${n}`,
          tenant,
          plan: { s1: recovering(random) },
        };
        if (group === 'timedFinish')
          data.nap = GATES.timedFinish.naps[random.int(GATES.timedFinish.naps.length)]!;
        const name = `sim/${GATE_FN[group].slice('sim-'.length)}`;
        const twice = random.int(1000) < twicePerMille;
        out.push({ n, group, arrivalMs: at, event: { id: `gate-${n}`, name, data }, twice });
      }
    }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs || a.n - b.n);
}

function recovering(random: Random): 'error'[] {
  return Array.from({ length: [0, 0, 0, 1][random.int(4)]! }, () => 'error' as const);
}
