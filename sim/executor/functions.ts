import { NonRetriableError, type Inngest, type InngestFunction } from 'inngest';
import { gateFunctions } from './gates.js';
import { timerFunctions } from './flow-timers.js';

/**
 * The simulated apps' functions, written with the real `inngest` SDK. What each step body does
 * on each attempt is planned by the workload and carried in the trigger event (`data.plan`), so
 * the auditor knows how every run must end. Bodies report to the SDK-side ledger, which counts
 * them per committed step (a committed step must never run again).
 */

/** A step body's outcome on one attempt: return its value, throw, or throw NonRetriableError. */
export type BodyOutcome = 'ok' | 'error' | 'fatal';
/** Outcomes by attempt index; an attempt past the end returns. */
export type StepPlan = Record<string, BodyOutcome[]>;

/** Every function retries five times (six attempts): planned errors stay well below that. */
export const SIM_RETRIES = 5;
export const SIM_APP_ID = 'sim';
export const WAIT_TIMEOUT = '20s';
export const CANCELLABLE_SLEEP = '10s';

export interface SimEventData {
  story: number;
  key: string;
  plan: StepPlan;
  /** chain: how many steps. */
  len?: number;
  /** parent: the child's plan. */
  childPlan?: StepPlan;
  /** keyed, throttled: the concurrency / throttle key's value (`event.data.tenant`). */
  tenant?: string;
  /** keyed: the account-scoped concurrency key's value. */
  group?: string;
  /** prioritized: `priority.run` (`event.data.priority`), seconds. */
  priority?: number;
}

export interface BodyLedger {
  /**
   * A step body started (run, step name, the request's attempt); returns how many times this
   * step's body has run in the run, this time included.
   */
  bodyRan(runId: string, step: string, attempt: number): number;
  /** An onFailure handler body ran for the failed run `failedRunId`, in run `runId`. */
  onFailureRan(failedRunId: string, runId: string): void;
}

/** Function IDs as the SDK registers them (`<app>-<id>`). */
export const FN = {
  chain: 'sim-chain',
  fan: 'sim-fan',
  race: 'sim-race',
  sleep: 'sim-sleep',
  wait: 'sim-wait',
  parent: 'sim-parent',
  child: 'sim-child',
  send: 'sim-send',
  listener: 'sim-listener',
  cancellable: 'sim-cancellable',
  fragile: 'sim-fragile',
  fragileFailure: 'sim-fragile-failure',
  keyed: 'sim-keyed',
  limited: 'sim-limited',
  throttled: 'sim-throttled',
  prioritized: 'sim-prioritized',
} as const;

/** The parallel steps of `fan` (the discovery after them must see all three). */
export const FAN_STEPS = ['p1', 'p2', 'p3'] as const;

/** What a function body gets from the SDK (the parts these functions use). */
interface Ctx {
  event: { data: SimEventData };
  runId: string;
  attempt: number;
  step: {
    run: <T>(id: string, fn: () => T) => Promise<T>;
    sleep: (id: string, d: string) => Promise<void>;
    waitForEvent: (
      id: string,
      o: { event: string; match: string; timeout: string },
    ) => Promise<unknown>;
    invoke: (
      id: string,
      o: { function: unknown; data: unknown; timeout: string },
    ) => Promise<unknown>;
    sendEvent: (id: string, e: unknown) => Promise<unknown>;
  };
}

type Planned = (c: Ctx, name: string) => Promise<string>;
type Define = (
  id: string,
  event: string,
  body: (c: Ctx) => Promise<unknown>,
  extra?: object,
) => InngestFunction.Any;

/**
 * A planned error with a stack that names nothing of the machine. The SDK sends a step error's
 * stack on (in its answer, then into the run's memo, its state_size, its error and the
 * function.failed event), and a real stack holds the checkout's absolute paths, where
 * node_modules resolves to, and the Node and SDK builds' line numbers: the same seed would give
 * another trace in another directory. This stack has the real form (header line, one frame).
 */
function machineFree<E extends Error>(err: E, step: string): E {
  err.stack = `${err.name}: ${err.message}\n    at step ${step} (sim/executor/functions.ts)`;
  return err;
}

export function simFunctions(inngest: Inngest, ledger: BodyLedger): InngestFunction.Any[] {
  /** step.run with the planned outcome for this attempt. */
  const planned: Planned = (c, name) =>
    c.step.run(name, () => {
      const n = ledger.bodyRan(c.runId, name, c.attempt);
      const outcome = c.event.data.plan?.[name]?.[c.attempt] ?? 'ok';
      if (outcome === 'error') throw machineFree(new Error(`planned error in ${name}`), name);
      if (outcome === 'fatal')
        throw machineFree(new NonRetriableError(`planned fatal error in ${name}`), name);
      // Which execution produced it is part of the result, as a real step's clock or random
      // would be: a step that runs twice gives two different results, and only one may stick.
      return `${name}:${c.event.data.story}#${n}`;
    });
  const fn: Define = (id, event, body, extra = {}) =>
    inngest.createFunction(
      { id, retries: SIM_RETRIES, triggers: [{ event }], ...extra },
      body as never,
    );
  return [
    ...stepFunctions(fn, planned),
    ...eventFunctions(fn, planned, ledger),
    ...flowFunctions(fn, planned),
    ...gateFunctions(fn, planned),
    ...timerFunctions(inngest, planned as never),
  ];
}

/** Chains, parallel fan-in, race, sleep. */
function stepFunctions(fn: Define, planned: Planned): InngestFunction.Any[] {
  return [
    fn('chain', 'sim/chain', async (c) => {
      const out: string[] = [];
      for (let i = 1; i <= (c.event.data.len ?? 3); i++) out.push(await planned(c, `s${i}`));
      return out;
    }),
    fn('fan', 'sim/fan', async (c) => {
      const parts = await Promise.all(FAN_STEPS.map((s) => planned(c, s)));
      return await planned(c, 'join').then((j) => [...parts, j]);
    }),
    fn('race', 'sim/race', async (c) => {
      const winner = await Promise.race([planned(c, 'r1'), planned(c, 'r2')]);
      return [winner, await planned(c, 'after')];
    }),
    fn('sleep', 'sim/sleep', async (c) => {
      const a = await planned(c, 's1');
      await c.step.sleep('nap', '3s');
      return [a, await planned(c, 's2')];
    }),
  ];
}

/** Waits, invoke, sendEvent, cancelOn, onFailure. */
function eventFunctions(fn: Define, planned: Planned, ledger: BodyLedger): InngestFunction.Any[] {
  const child = fn('child', 'sim/child', async (c) => planned(c, 'c1'));
  return [
    fn('wait', 'sim/wait', async (c) => {
      const got = await c.step.waitForEvent('approval', {
        event: 'sim/approve',
        match: 'data.key',
        timeout: WAIT_TIMEOUT,
      });
      return await c.step.run('after', () => (got ? 'approved' : 'timed-out'));
    }),
    fn('parent', 'sim/parent', async (c) => {
      const a = await planned(c, 's1');
      const r = await c.step.invoke('call', {
        function: child,
        data: {
          story: c.event.data.story,
          key: c.event.data.key,
          plan: c.event.data.childPlan ?? {},
        },
        timeout: '1h',
      });
      return [a, r, await planned(c, 's2')];
    }),
    child,
    fn('send', 'sim/send', async (c) => {
      await planned(c, 's1');
      await c.step.sendEvent('emit', {
        name: 'sim/emitted',
        data: { story: c.event.data.story, key: c.event.data.key, plan: {} },
      });
      return await planned(c, 's2');
    }),
    fn('listener', 'sim/emitted', async (c) => planned(c, 'heard')),
    fn(
      'cancellable',
      'sim/cancellable',
      async (c) => {
        const a = await planned(c, 's1');
        await c.step.sleep('nap', CANCELLABLE_SLEEP);
        return [a, await planned(c, 's2')];
      },
      { cancelOn: [{ event: 'sim/cancel', match: 'data.key' }] },
    ),
    fn('fragile', 'sim/fragile', async (c) => planned(c, 's1'), {
      onFailure: async ({
        event,
        runId,
        step,
      }: {
        event: { data: { run_id: string } };
        runId: string;
        step: Ctx['step'];
      }) =>
        step.run('note', () => {
          ledger.onFailureRan(event.data.run_id, runId);
          return event.data.run_id;
        }),
    }),
  ];
}

/**
 * Flow control from the function config (reference §11.6), as the flow auditor knows it: its
 * checks hold the product to these values, not to what the product put on its items.
 */
export const FLOW = {
  /** sim-keyed: a per-tenant key (limit 1) and an account-scoped per-group key (limit 2). */
  keyed: [
    { limit: 1, key: 'event.data.tenant', field: 'tenant' },
    { limit: 2, key: 'event.data.group', scope: 'account', field: 'group' },
  ],
  /** sim-limited: the function's own limit. */
  limited: 2,
  /** sim-throttled: run starts per tenant. */
  throttle: { limit: 1, periodMs: 10_000, period: '10s', burst: 1, key: 'event.data.tenant' },
  /** sim-prioritized: `priority.run`, clamped to ±PRIORITY_RUN_MAX_S by the product. */
  priorityRun: 'event.data.priority',
} as const;

/** The parallel steps of `keyed` and `limited` (they compete for their run's slots). */
export const KEYED_STEPS = ['k1', 'k2'] as const;
export const LIMITED_STEPS = ['l1', 'l2', 'l3'] as const;

/** Concurrency keys, a function's own limit, a throttle and a priority, from the config. */
function flowFunctions(fn: Define, planned: Planned): InngestFunction.Any[] {
  const parallel = (steps: readonly string[], last: string) => async (c: Ctx) => {
    const parts = await Promise.all(steps.map((s) => planned(c, s)));
    return [...parts, await planned(c, last)];
  };
  const twoSteps = async (c: Ctx) => [await planned(c, 's1'), await planned(c, 's2')];
  const { throttle } = FLOW;
  return [
    fn('keyed', 'sim/keyed', parallel(KEYED_STEPS, 'k3'), {
      concurrency: FLOW.keyed.map(({ field: _, ...c }) => c),
    }),
    fn('limited', 'sim/limited', parallel(LIMITED_STEPS, 'l4'), { concurrency: FLOW.limited }),
    fn('throttled', 'sim/throttled', twoSteps, {
      throttle: {
        limit: throttle.limit,
        period: throttle.period,
        burst: throttle.burst,
        key: throttle.key,
      },
    }),
    fn('prioritized', 'sim/prioritized', twoSteps, { priority: { run: FLOW.priorityRun } }),
  ];
}
