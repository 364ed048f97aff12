import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/**
 * Debounce from the function config, end to end with the real SDK (issue 14): the run starts a
 * quiet period after the last event of its key, with that one event (the last by `ts`), and no
 * later than `timeout` after the key's first event. Times are measured inside the app.
 */
interface Started {
  at: number;
  runId: string;
  data: Record<string, unknown>;
  ts: number;
}

const PERIOD_MS = 1_000;
/** How late a run may start after it is due (the timer, a lease, the SDK call). */
const SLACK_MS = 1_500;

describe('debounce from the function config (dev mode)', () => {
  const keyed: Started[] = [];
  const bounded: Started[] = [];
  const h = useE2E('dev', 'debounce', (inngest) => {
    // Debounced, and invoked by `parent`.
    const child = inngest.createFunction(
      { id: 'child', debounce: { period: '5s' }, triggers: [{ event: 'db/child' }] },
      async ({ event }) => ({ doubled: (event.data as { x: number }).x * 2 }),
    );
    return [
      inngest.createFunction(
        {
          id: 'per-user',
          debounce: { period: '1s', key: 'event.data.user' },
          triggers: [{ event: 'db/per-user' }],
        },
        async ({ event, runId }) => {
          keyed.push({ at: Date.now(), runId, data: event.data, ts: event.ts as number });
        },
      ),
      inngest.createFunction(
        {
          id: 'bounded',
          debounce: { period: '1s', timeout: '3s' },
          triggers: [{ event: 'db/bounded' }],
        },
        async ({ event, runId }) => {
          bounded.push({ at: Date.now(), runId, data: event.data, ts: event.ts as number });
        },
      ),
      child,
      inngest.createFunction(
        { id: 'parent', triggers: [{ event: 'db/parent' }] },
        async ({ step }) => {
          const [a, b] = await Promise.all([
            step.invoke('one', { function: child, data: { x: 1 } }),
            step.invoke('two', { function: child, data: { x: 2 } }),
          ]);
          return { a, b };
        },
      ),
    ];
  });

  const send = async (name: string, data: Record<string, unknown>, ts?: number) => {
    const { ids } = await h.engine.send({ name, data, ...(ts ? { ts } : {}) });
    return ids[0] as string;
  };
  const startsOf = (list: Started[], user: string) => list.filter((s) => s.data.user === user);

  it('a burst for one key starts one run, with the last event, a period after it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await send('db/per-user', { user: 'burst', n: i }));
      await sleep(200);
    }
    const lastSentAt = Date.now() - 200;
    // No run at ingest.
    for (const id of ids) expect(await h.engine.runsOf(id)).toEqual({});
    await expect.poll(() => startsOf(keyed, 'burst').length, { timeout: 10_000 }).toBe(1);
    await sleep(PERIOD_MS + 500); // nothing else starts
    const runs = startsOf(keyed, 'burst');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.data).toEqual({ user: 'burst', n: 5 });
    const delay = (runs[0]?.at as number) - lastSentAt;
    expect(delay).toBeGreaterThanOrEqual(PERIOD_MS - 50);
    expect(delay).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
    // The run belongs to the event it ran with, and ends.
    const [runId] = Object.keys(await h.engine.runsOf(ids[5] as string));
    expect(runId).toBe(runs[0]?.runId);
    expect((await h.engine.waitForRun(runId as string)).status).toBe('completed');
  }, 30_000);

  it('two keys debounce apart: two runs, each with its own last event', async () => {
    for (let i = 0; i < 3; i++) {
      await Promise.all([
        send('db/per-user', { user: 'k1', n: i }),
        send('db/per-user', { user: 'k2', n: i }),
      ]);
      await sleep(100);
    }
    await expect
      .poll(() => startsOf(keyed, 'k1').length + startsOf(keyed, 'k2').length, { timeout: 10_000 })
      .toBe(2);
    await sleep(PERIOD_MS + 500);
    expect(startsOf(keyed, 'k1').map((s) => s.data.n)).toEqual([2]);
    expect(startsOf(keyed, 'k2').map((s) => s.data.n)).toEqual([2]);
  }, 30_000);

  it('an event with an older ts sent last does not replace the newer one', async () => {
    const now = Date.now();
    await send('db/per-user', { user: 'ooo', which: 'newer' }, now);
    await sleep(100);
    await send('db/per-user', { user: 'ooo', which: 'older' }, now - 60_000);
    await expect.poll(() => startsOf(keyed, 'ooo').length, { timeout: 10_000 }).toBe(1);
    await sleep(PERIOD_MS + 500);
    const runs = startsOf(keyed, 'ooo');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.data.which).toBe('newer');
    expect(runs[0]?.ts).toBe(now);
  }, 30_000);

  it('timeout: events every 400 ms for 5 s still start a run by first + 3 s', async () => {
    const firstAt = Date.now();
    let n = 0;
    while (Date.now() - firstAt < 5_000) {
      await send('db/bounded', { n: n++ });
      await sleep(400);
    }
    const lastSentAt = Date.now() - 400;
    await expect.poll(() => bounded.length, { timeout: 10_000 }).toBe(2);
    await sleep(PERIOD_MS + 500);
    expect(bounded).toHaveLength(2);
    const [first, second] = bounded as [Started, Started];
    // The first window ran at its timeout, though events kept coming, with its last event.
    expect(first.at - firstAt).toBeLessThanOrEqual(3_000 + SLACK_MS);
    expect(first.at - firstAt).toBeGreaterThanOrEqual(3_000 - 50);
    // The second window took the rest, and ran a period after the last of them.
    expect(second.data.n).toBe(n - 1);
    expect(first.data.n as number).toBeLessThan(second.data.n as number);
    expect(second.at - lastSentAt).toBeLessThanOrEqual(PERIOD_MS + SLACK_MS);
  }, 30_000);

  it('an invocation is not debounced: each step.invoke gets its own run and result at once', async () => {
    const startedAt = Date.now();
    const [parent] = await h.trigger('db/parent');
    const view = await h.engine.waitForRun(parent as string, { timeoutMs: 15_000 });
    expect(view.status).toBe('completed');
    expect(view.output).toEqual({ a: { doubled: 2 }, b: { doubled: 4 } });
    // Well before the child's 5 s period: neither invocation waited in a window.
    expect(Date.now() - startedAt).toBeLessThan(4_000);
  }, 30_000);
});
