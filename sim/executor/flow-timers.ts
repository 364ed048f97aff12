import type { Inngest, InngestFunction } from 'inngest';
import type { Random } from '../../src/internal.js';

/**
 * Debounce, batching and cron triggers in the simulation (reference §11.1, §11.2, §11.8): the
 * config the timers auditor holds the product to (TIMERS), the functions written with the real
 * SDK from it, and the events sent to them, in bursts per key.
 */

/** Function IDs as the SDK registers them (`<app>-<id>`). */
export const TIMER_FN = {
  debounced: 'sim-debounced',
  batched: 'sim-batched',
  cron: 'sim-cron',
  cronJitter: 'sim-cron-jitter',
} as const;

export const TIMER_EVENT = { debounced: 'sim/debounced', batched: 'sim/batched' } as const;
export const CRON_EVENT = 'inngest/scheduled.timer';
export const MINUTE_MS = 60_000;

export const TIMERS = {
  /** sim-debounced: a quiet period per key, and a window at most `timeout` long. */
  debounce: {
    period: '2s',
    periodMs: 2000,
    timeout: '6s',
    timeoutMs: 6000,
    key: 'event.data.tkey',
  },
  /** sim-batched: batches per key, full at maxSize, else started at their timeout. */
  batch: { maxSize: 3, timeout: '2s', timeoutMs: 2000, key: 'event.data.tkey' },
  /**
   * The cron chains (function, schedule): every minute, the same minute in another zone (its own
   * chain and its own runs), and every minute with a jitter (whole seconds in [1 s, jitter)).
   */
  cron: [
    { fn: TIMER_FN.cron, cron: '* * * * *', jitterMs: 0 },
    { fn: TIMER_FN.cron, cron: 'TZ=Asia/Kolkata * * * * *', jitterMs: 0 },
    { fn: TIMER_FN.cronJitter, cron: '* * * * *', jitter: '20s', jitterMs: 20_000 },
  ],
} as const;

/** The data of a debounced or batched event: `u` names one send attempt of it. */
export interface TimerEventData {
  seq: number;
  tkey: string;
  /** `<seq>.<copy>.<try>`: which copy (eventTwice) and which retry of the send. */
  u: string;
  plan: Record<string, never>;
}

type TimerFn = 'debounced' | 'batched';

/** One event of the timers workload, as planned. */
export interface TimerEvent {
  seq: number;
  fn: TimerFn;
  key: string;
  arrivalMs: number;
  /** Its `ts`, relative to the start: its arrival, or (out of order) older than the last. */
  tsMs: number;
  twice: boolean;
}

interface Step {
  run: <T>(id: string, fn: () => T) => Promise<T>;
}

/** The functions; `planned` is the sim's step.run that reports to the body ledger. */
export function timerFunctions(
  inngest: Inngest,
  planned: (c: never, name: string) => Promise<string>,
): InngestFunction.Any[] {
  const { debounce, batch } = TIMERS;
  const one = async (c: never) => planned(c, 's1');
  const cronFn = (id: string, triggers: object[]) =>
    inngest.createFunction(
      { id, retries: 5, triggers: triggers as never },
      (async (c: { step: Step; event: { id: string } }) =>
        await c.step.run('tick', () => c.event.id)) as never,
    );
  return [
    inngest.createFunction(
      {
        id: 'debounced',
        retries: 5,
        triggers: [{ event: TIMER_EVENT.debounced }],
        debounce: { period: debounce.period, timeout: debounce.timeout, key: debounce.key },
      },
      one as never,
    ),
    inngest.createFunction(
      {
        id: 'batched',
        retries: 5,
        triggers: [{ event: TIMER_EVENT.batched }],
        batchEvents: { maxSize: batch.maxSize, timeout: batch.timeout, key: batch.key },
      },
      one as never,
    ),
    cronFn('cron', [{ cron: TIMERS.cron[0].cron }, { cron: TIMERS.cron[1].cron }]),
    cronFn('cron-jitter', [{ cron: TIMERS.cron[2].cron, jitter: TIMERS.cron[2].jitter }]),
  ];
}

/** Bursts per story count: one debounce and one batch burst per this many stories. */
const STORIES_PER_BURST = 20;
const KEYS = ['a', 'b', 'c'] as const;

/**
 * The timers workload: bursts of events per key, a few ms to a few s apart (a debounce burst may
 * outlast its window's timeout; a batch burst may fill several batches), a quarter of the later
 * events of a debounce burst with a `ts` older than the one before it; each delivered twice
 * (the same event ID) at `twicePerMille`.
 */
export function generateTimerEvents(
  random: Random,
  stories: number,
  spanMs: number,
  twicePerMille: number,
): TimerEvent[] {
  const out: TimerEvent[] = [];
  const bursts = Math.ceil(stories / STORIES_PER_BURST);
  for (let b = 0; b < 2 * bursts; b++) {
    const fn: TimerFn = b % 2 === 0 ? 'debounced' : 'batched';
    const key = `${fn[0]}-${KEYS[random.int(KEYS.length)]!}`;
    const long = fn === 'debounced' && random.int(4) === 0;
    const n = long ? 6 : 1 + random.int(fn === 'debounced' ? 4 : 7);
    let at = random.int(spanMs);
    let lastTs = at;
    for (let i = 0; i < n; i++) {
      const older = fn === 'debounced' && i > 0 && random.int(4) === 0;
      const tsMs = older ? lastTs - 1 - random.int(500) : at;
      if (!older) lastTs = at;
      const twice = random.int(1000) < twicePerMille;
      out.push({ seq: out.length, fn, key, arrivalMs: at, tsMs, twice });
      at += long ? 1500 : fn === 'debounced' ? 100 + random.int(1400) : 20 + random.int(700);
    }
  }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);
}
