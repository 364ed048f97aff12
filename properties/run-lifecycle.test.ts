import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancelRun, sendEvents } from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import {
  APP_URL,
  fnId,
  hashedStepId,
  OneSlot,
  RESUME_EVENT,
  RETRIES,
  SdkLog,
  sdkTransport,
  triggerOf,
  type Stage,
} from './run-lifecycle/world.js';
import { executorContext } from './executor-context.js';
import { propertyParams } from './settings.js';

/**
 * Model-based, end to end: one run of a real `inngest` function (in-process) through the real
 * executor on real Redis, its items run one at a time by a deterministic one-slot processor in an
 * order the property picks, with lost acks (the item runs again), a cancel and a resuming event
 * at chosen points. The function is a program of steps that fail their first `fails` calls,
 * Promise.all groups of them, sleeps and waits. The model predicts the run's end (completed,
 * failed, or cancelled), how often each step body ran (its item's retry budget: retries + 1
 * attempts), that onFailure runs exactly once for a failed run, that the discovery after a
 * Promise.all never sees the group half done, and that a run that ended is called no more.
 */

type Spec = { fails: number };
type StageSpec =
  | { kind: 'step'; fails: number }
  | { kind: 'all'; branches: Spec[] }
  | { kind: 'sleep' }
  | { kind: 'wait' };

function stageArb(retries: number): fc.Arbitrary<StageSpec> {
  // A step fails its first 0..retries+1 calls: retries+1 failures use up its budget.
  const fails = fc.nat(retries + 1);
  return fc.oneof(
    { weight: 3, arbitrary: fails.map((f) => ({ kind: 'step' as const, fails: f })) },
    {
      weight: 2,
      arbitrary: fc
        .array(fails, { minLength: 2, maxLength: 3 })
        .map((fs) => ({ kind: 'all' as const, branches: fs.map((f) => ({ fails: f })) })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'sleep' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
  );
}

/** Step IDs by position: unique within the program, so each is hashed once (§3.5). */
function program(specs: StageSpec[]): Stage[] {
  return specs.map((s, i): Stage => {
    if (s.kind === 'step') return { kind: 'step', id: `s${i}`, fails: s.fails };
    if (s.kind === 'all')
      return {
        kind: 'all',
        branches: s.branches.map((b, j) => ({ id: `s${i}-${j}`, fails: b.fails })),
      };
    return { kind: s.kind, id: `s${i}` };
  });
}

const history = fc.constantFrom(...RETRIES).chain((retries) =>
  fc.record({
    retries: fc.constant(retries),
    stages: fc.array(stageArb(retries), { minLength: 1, maxLength: 4 }).map(program),
    /** Which due item runs next, step by step (cycled). */
    picks: fc.array(fc.nat(5), { minLength: 1, maxLength: 20 }),
    /** Successes of self-unsettled items (the finish) whose ack is lost. */
    acksLost: fc.nat(2),
    cancelAt: fc.option(fc.nat(20), { freq: 3 }),
    /** Steps before which a RESUME_EVENT is sent. */
    resumes: fc.uniqueArray(fc.nat(20), { maxLength: 4 }),
  }),
);

/**
 * What the model predicts of an uncancelled run: its end, and the calls of each step body (its
 * budget, and whether exactly that). A step succeeds on call fails + 1 if that is within its
 * retries + 1 attempts, else it fails after retries + 1 calls and the run fails (the memoized
 * error is thrown uncaught: 400 no-retry). In a Promise.all with a failing step, the run fails as
 * soon as one failing step used its budget, so the others may be cut short: at most their
 * budget, and at least one failing step exactly its own.
 */
function predict(retries: number, stages: Stage[]) {
  const calls = new Map<string, { budget: number; exact: boolean }>();
  const exhausted: string[][] = [];
  let failed = false;
  for (const s of stages) {
    const steps = s.kind === 'step' ? [s] : s.kind === 'all' ? s.branches : [];
    const failing = steps.filter((step) => step.fails > retries).map((step) => step.id);
    const exact = s.kind === 'step' || failing.length === 0;
    for (const step of steps)
      calls.set(step.id, { budget: Math.min(step.fails, retries) + 1, exact });
    if (failing.length > 0) {
      failed = true;
      exhausted.push(failing);
      break;
    }
  }
  return { status: failed ? 'failed' : 'completed', calls, exhausted };
}

describe('run lifecycle: the real executor and SDK against a model', () => {
  const redis = useRedis();
  const log = new SdkLog();
  const http = sdkTransport(log);
  let n = 0;
  /** What the histories reached; each must be reached in CI. */
  const seen = {
    completed: 0,
    failed: 0,
    cancelled: 0,
    refailedFinish: 0,
    fanIn: 0,
    waitResumedByEvent: 0,
    waitTimedOut: 0,
  };

  it('every run ends as the model predicts, each step within its budget, onFailure once', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const failureRuns: string[] = [];
        const { ctx, shard, clock } = executorContext({
          name: `lc-${process.pid}-${++n}`,
          transport: redis.transport,
          http,
          seed: n,
          listeners: [
            {
              onFunctionScheduled: ({ run, events }) => {
                if (run.functionId === `${fnId(h.retries)}-failure`)
                  failureRuns.push(String((events[0] as { data: { run_id: string } }).data.run_id));
              },
              onWaitForEventResumed: ({ timedOut }) =>
                void seen[timedOut ? 'waitTimedOut' : 'waitResumedByEvent']++,
            },
          ],
        });
        await ctx.registry.registerApp(APP_URL);
        http.calls.length = 0;
        const [eventId] = await sendEvents(ctx, {
          name: triggerOf(h.retries),
          data: { stages: h.stages },
        });
        const [runId] = Object.keys(await ctx.store.eventRuns(eventId as string));
        if (runId === undefined) throw new Error('the trigger started no run');
        const slot = new OneSlot(ctx, shard, clock, redis.raw, n);
        slot.acksToLose = h.acksLost;
        const callsOf = () => http.calls.filter((c) => c.runId === runId).length;

        let cancelled = false;
        let callsWhenEnded: number | null = null;
        for (let step = 0; ; step++) {
          if (step > 300) throw new Error('the run did not settle in 300 items');
          if (h.cancelAt === step && (await cancelRun(ctx, runId))) {
            cancelled = true;
            callsWhenEnded = callsOf();
          }
          if (h.resumes.includes(step)) await sendEvents(ctx, { name: RESUME_EVENT, data: {} });
          if (!(await slot.step(h.picks[step % h.picks.length] as number))) break;
          if (callsWhenEnded === null) {
            const status = (await ctx.store.readRun(runId))?.meta.status;
            if (status !== 'scheduled' && status !== 'running') callsWhenEnded = callsOf();
          }
        }

        expect(slot.untyped).toEqual([]);
        // The executor ends a run on a step's last attempt: no step item is ever dropped.
        expect(slot.permanentFailures.map((i) => i.kind)).toEqual([]);
        const stored = await ctx.store.readRun(runId);
        const want = predict(h.retries, h.stages);
        const status = stored?.meta.status;
        expect(status).toBe(cancelled ? 'cancelled' : want.status);
        seen[status as 'completed' | 'failed' | 'cancelled']++;
        if (status === 'completed') expect(stored?.meta.result).toBe('done');
        for (const s of h.stages) {
          const steps = s.kind === 'step' ? [s] : s.kind === 'all' ? s.branches : [];
          for (const { id } of steps) {
            const calls = log.count(runId, id);
            const { budget, exact } = want.calls.get(id) ?? { budget: 0, exact: true };
            if (cancelled || !exact) expect(calls, `calls of ${id}`).toBeLessThanOrEqual(budget);
            else expect(calls, `calls of ${id}`).toBe(budget);
          }
        }
        if (!cancelled)
          for (const failing of want.exhausted) {
            const used = failing.map((id) => log.count(runId, id));
            expect(used, `calls of ${failing}`).toContain(h.retries + 1);
          }
        // onFailure: one run per failed run, however often its finish item ran.
        expect(failureRuns).toEqual(status === 'failed' ? [runId] : []);
        if (status === 'failed' && h.acksLost > 0) seen.refailedFinish++;

        const calls = http.calls.filter((c) => c.runId === runId);
        // A run that ended is called no more.
        expect(calls.length).toBe(callsWhenEnded);
        for (const c of calls) {
          // Every request carries the item's budget: the function's retries + 1.
          expect(c.maxAttempts).toBe(h.retries + 1);
          expect(c.attempt).toBeLessThan(h.retries + 1);
          if (c.stepId !== 'step') continue;
          // A discovery after a Promise.all runs once all of it finished: never half done.
          for (const s of h.stages) {
            if (s.kind !== 'all') continue;
            const done = s.branches.filter((b) => c.steps.includes(hashedStepId(b.id))).length;
            expect([0, s.branches.length], `a discovery saw ${done} of a Promise.all`).toContain(
              done,
            );
            if (done > 0) seen.fanIn++;
          }
        }
        // Every item settled: nothing is left on the shard.
        expect(await redis.raw.hlen(shard.keys.items())).toBe(0);
      }),
      propertyParams(50),
    );
    console.log(`run lifecycle: ${n} runs`, seen);
    for (const [what, count] of Object.entries(seen))
      expect(count, `never reached: ${what}`).toBeGreaterThan(0);
  }, 60_000);
});
