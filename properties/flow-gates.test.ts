import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendEvents, type ExecutorContext } from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import {
  APP_URL,
  FINISH_MS,
  GATE_FNS,
  gatesTransport,
  NAPS,
  ONCE,
  RATE,
  triggerOf,
  type GateFn,
} from './flow-gates/app.js';
import { OneSlot } from './run-lifecycle/world.js';
import { executorContext } from './executor-context.js';
import { propertyParams } from './settings.js';

/**
 * rateLimit, singleton and timeouts from the function config, end to end: events of real
 * `inngest` functions sent at times the property picks, their items run one at a time by the
 * one-slot processor in an order it picks, through the real executor on real Redis. Checked as it
 * goes: admissions (runs created, not skipped) per rate-limit key keep to the GCRA bound of the
 * config, and a refusal (a run Skipped, reason rate-limit) comes only when the GCRA is full (so
 * `idempotency`, a limit of 1 per 24 h: one run per key, the rest Skipped, reason idempotency); a
 * singleton event is Skipped (reason singleton) exactly when a run of its key is open, and two
 * runs of one key are never open at once; no SDK request of a timed run begins at or after its
 * finish deadline (its first request + timeouts.finish). At the end every run ended, and a run
 * that naps past its deadline ended Cancelled with reason finish-timeout.
 */

interface Op {
  fn: GateFn;
  tenant: string;
  nap: keyof typeof NAPS;
  gapMs: number;
  steps: number;
}

const history = fc.record({
  ops: fc.array(
    fc.record({
      fn: fc.constantFrom(...GATE_FNS),
      tenant: fc.constantFrom('t0', 't0', 't1'),
      nap: fc.constantFrom('short' as const, 'long' as const),
      gapMs: fc.constantFrom(0, 0, 700, 4000, 6000),
      steps: fc.nat(3),
    }),
    { minLength: 1, maxLength: 10 },
  ),
  picks: fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
});

const ENDED = new Set(['completed', 'failed', 'cancelled', 'skipped']);

/** What the checks have seen: runs by function and tenant, admissions, first request times. */
class Seen {
  readonly runs: { runId: string; op: Op }[] = [];
  readonly admissions = new Map<string, number[]>();
  readonly firstCall = new Map<string, number>();
  calls = 0;
}

async function statusOf(ctx: ExecutorContext, runId: string) {
  return (await ctx.store.readRun(runId))?.meta;
}

async function openOf(ctx: ExecutorContext, seen: Seen, tenant: string): Promise<string[]> {
  const open: string[] = [];
  for (const r of seen.runs)
    if (r.op.fn === 'single' && r.op.tenant === tenant)
      if (!ENDED.has((await statusOf(ctx, r.runId))?.status ?? 'missing')) open.push(r.runId);
  return open;
}

/** GCRA of the config: admissions in any window T <= limit + floor(limit/10) + floor(T·l/p). */
function checkAdmission(
  { limit, periodMs }: { limit: number; periodMs: number },
  times: number[],
  now: number,
  admitted: boolean,
): void {
  const burst = Math.floor(limit / 10);
  const rate = (ms: number) => (ms * limit) / periodMs;
  if (!admitted) {
    const full = times.some((t, j) => times.length - j > limit + burst - 1 + rate(now - t));
    expect(full, `refused at ${now} after admissions [${times.join(', ')}]`).toBe(true);
    return;
  }
  times.push(now);
  for (let j = 0; j < times.length; j++)
    expect(times.length - j, `admissions within ${now - times[j]!} ms`).toBeLessThanOrEqual(
      limit + burst + Math.floor(rate(now - times[j]!)),
    );
}

async function send(ctx: ExecutorContext, seen: Seen, op: Op, now: number): Promise<void> {
  const openBefore = op.fn === 'single' ? await openOf(ctx, seen, op.tenant) : [];
  const data = { tenant: op.tenant, nap: NAPS[op.nap] };
  const [eventId] = await sendEvents(ctx, { name: triggerOf(op.fn), data });
  const runIds = Object.keys(await ctx.store.eventRuns(eventId as string));
  expect(runIds.length, `${op.fn} event: its runs`).toBe(1);
  const runId = runIds[0] as string;
  seen.runs.push({ runId, op });
  const meta = await statusOf(ctx, runId);
  const skipped = meta?.status === 'skipped';
  if (op.fn === 'limited' || op.fn === 'once') {
    const [config, reason] = op.fn === 'limited' ? [RATE, 'rate-limit'] : [ONCE, 'idempotency'];
    if (skipped) expect(meta?.skipReason).toBe(reason);
    const key = `${op.fn}#${op.tenant}`;
    const times = seen.admissions.get(key) ?? [];
    seen.admissions.set(key, times);
    checkAdmission(config, times, now, !skipped);
  }
  if (op.fn === 'single') {
    expect(skipped, `singleton event with open [${openBefore.join(', ')}]`).toBe(
      openBefore.length > 0,
    );
    if (skipped) expect(meta?.skipReason).toBe('singleton');
  }
  if (op.fn === 'timed') expect(skipped).toBe(false);
}

/** After each item: one open singleton run per tenant at most; no timed request past deadline. */
async function checkStep(
  ctx: ExecutorContext,
  seen: Seen,
  calls: { runId: string }[],
  now: number,
) {
  for (const tenant of ['t0', 't1'])
    expect(
      (await openOf(ctx, seen, tenant)).length,
      `open singleton runs of ${tenant}`,
    ).toBeLessThanOrEqual(1);
  for (; seen.calls < calls.length; seen.calls++) {
    const runId = calls[seen.calls]!.runId;
    const op = seen.runs.find((r) => r.runId === runId)?.op;
    if (op?.fn !== 'timed') continue;
    const first = seen.firstCall.get(runId) ?? now;
    seen.firstCall.set(runId, first);
    expect(now, `a request of timed run ${runId} at ${now}, started ${first}`).toBeLessThan(
      first + FINISH_MS,
    );
  }
}

describe('flow gates: rateLimit, singleton and timeouts from the function config', () => {
  const redis = useRedis();
  const http = gatesTransport();
  let n = 0;

  it('admissions keep to the GCRA, one open singleton per key, no step past a deadline', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { ctx, shard, clock } = executorContext({
          name: `fg-${process.pid}-${++n}`,
          transport: redis.transport,
          http,
          seed: n,
        });
        await ctx.registry.registerApp(APP_URL);
        http.calls.length = 0;
        const slot = new OneSlot(ctx, shard, clock, redis.raw, n);
        const seen = new Seen();
        let step = 0;
        const run = async (count: number): Promise<boolean> => {
          for (let i = 0; i < count; i++, step++) {
            if (step > 200) throw new Error('the runs did not settle in 200 items');
            const more = await slot.step(h.picks[step % h.picks.length] as number);
            await checkStep(ctx, seen, http.calls, clock.now());
            if (!more) return false;
          }
          return true;
        };
        for (const op of h.ops) {
          clock.advance(op.gapMs);
          await send(ctx, seen, op, clock.now());
          await run(op.steps);
        }
        while (await run(1));
        expect(slot.untyped).toEqual([]);
        for (const { runId, op } of seen.runs) {
          const meta = await statusOf(ctx, runId);
          expect(ENDED.has(meta?.status ?? 'missing'), `${op.fn} run ${meta?.status}`).toBe(true);
          if (op.fn === 'timed' && (op.nap === 'long' || meta?.status === 'cancelled'))
            expect([meta?.status, meta?.cancelReason], `timed run, ${op.nap} nap`).toEqual([
              'cancelled',
              'finish-timeout',
            ]);
        }
      }),
      propertyParams(30),
    );
  }, 120_000);
});
