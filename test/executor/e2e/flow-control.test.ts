import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/**
 * Flow control from the function config, end to end with the real SDK (issue 14, first part):
 * concurrency keys (CEL on the trigger event, per key, steps executing at once), a function's
 * own concurrency limit, throttle on run starts (GCRA bound), and priority under a limit.
 */
interface Span {
  key: string;
  run: string;
  start: number;
  end: number;
}

/** Most spans open at once (per key when `byKey`). */
function maxOverlap(spans: readonly Span[], byKey: boolean): number {
  let max = 0;
  for (const s of spans) {
    const at = s.start;
    const open = spans.filter(
      (o) => o.start <= at && o.end > at && (!byKey || o.key === s.key),
    ).length;
    max = Math.max(max, open);
  }
  return max;
}

describe('flow control from the function config (dev mode)', () => {
  const keyed: Span[] = [];
  const single: Span[] = [];
  const throttledStarts: number[] = [];
  const priorityOrder: string[] = [];
  const h = useE2E('dev', 'flow', (inngest) => [
    inngest.createFunction(
      {
        id: 'per-user',
        concurrency: { limit: 1, key: 'event.data.user' },
        triggers: [{ event: 'flow/per-user' }],
      },
      async ({ event, step, runId }) => {
        const user = String((event.data as { user: string }).user);
        for (const name of ['one', 'two'])
          await step.run(name, async () => {
            const start = Date.now();
            await sleep(120);
            keyed.push({ key: user, run: runId, start, end: Date.now() });
          });
        return user;
      },
    ),
    inngest.createFunction(
      { id: 'one-at-a-time', concurrency: 1, triggers: [{ event: 'flow/single' }] },
      async ({ step, runId }) => {
        await step.run('work', async () => {
          const start = Date.now();
          await sleep(80);
          single.push({ key: '', run: runId, start, end: Date.now() });
        });
      },
    ),
    inngest.createFunction(
      { id: 'throttled', throttle: { limit: 2, period: '2s' }, triggers: [{ event: 'flow/thr' }] },
      async ({ step }) => {
        await step.run('started', () => throttledStarts.push(Date.now()));
      },
    ),
    inngest.createFunction(
      {
        id: 'prioritized',
        concurrency: 1,
        priority: { run: 'event.data.prio' },
        triggers: [{ event: 'flow/prio' }],
      },
      async ({ event, step }) => {
        const name = String((event.data as { name: string }).name);
        await step.run('go', async () => {
          priorityOrder.push(name);
          if (name === 'blocker') await sleep(600);
        });
      },
    ),
  ]);

  it('concurrency 1 per key: 8 runs of 2 keys never run two steps of one key at once', async () => {
    const runs = (
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => h.trigger('flow/per-user', { user: `u${i % 2}` })),
      )
    ).flat();
    expect(runs).toHaveLength(8);
    for (const id of runs)
      expect((await h.engine.waitForRun(id, { timeoutMs: 60_000 })).status).toBe('completed');
    expect(keyed).toHaveLength(16);
    expect(maxOverlap(keyed, true), JSON.stringify(keyed)).toBe(1);
    // The limit is per key: the two keys' steps did run side by side.
    expect(maxOverlap(keyed, false)).toBe(2);
  }, 90_000);

  it("a function's own limit (concurrency: 1) holds across its runs", async () => {
    const runs = (
      await Promise.all(Array.from({ length: 5 }, () => h.trigger('flow/single')))
    ).flat();
    for (const id of runs) expect((await h.engine.waitForRun(id)).status).toBe('completed');
    expect(single).toHaveLength(5);
    expect(maxOverlap(single, false), JSON.stringify(single)).toBe(1);
  }, 60_000);

  it('throttle 2 per 2 s: run starts stay within the GCRA bound, and none is dropped', async () => {
    const runs = (await Promise.all(Array.from({ length: 6 }, () => h.trigger('flow/thr')))).flat();
    for (const id of runs)
      expect((await h.engine.waitForRun(id, { timeoutMs: 30_000 })).status).toBe('completed');
    expect(throttledStarts).toHaveLength(6);
    const starts = [...throttledStarts].sort((a, b) => a - b);
    // In any window T: at most limit + burst + floor(T * limit / period) starts (burst 0). The
    // times are taken in the step, a few ms after the admission: 50 ms of slack for that.
    for (let i = 0; i < starts.length; i++)
      for (let j = i; j < starts.length; j++) {
        const windowMs = (starts[j] as number) - (starts[i] as number) + 50;
        expect(j - i + 1, `starts ${JSON.stringify(starts)}`).toBeLessThanOrEqual(
          2 + Math.floor((windowMs * 2) / 2_000),
        );
      }
    // 6 starts at 2 per 2 s take at least 4 s after the first.
    expect((starts[5] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(3_500);
  }, 60_000);

  it('priority: under a limit of 1, the run with the larger priority.run starts first', async () => {
    const [blocker] = await h.trigger('flow/prio', { name: 'blocker', prio: 0 });
    // Wait until the blocker holds the function's one slot, then queue three behind it.
    await expect.poll(() => priorityOrder.includes('blocker'), { timeout: 10_000 }).toBe(true);
    // (A negative priority delays a run by that many seconds, as on Inngest: not used here.)
    const none = await h.trigger('flow/prio', { name: 'none', prio: 0 });
    const mid = await h.trigger('flow/prio', { name: 'mid', prio: 100 });
    const high = await h.trigger('flow/prio', { name: 'high', prio: 300 });
    for (const id of [blocker, ...none, ...mid, ...high])
      expect((await h.engine.waitForRun(id as string)).status).toBe('completed');
    expect(priorityOrder).toEqual(['blocker', 'high', 'mid', 'none']);
  }, 60_000);
});
