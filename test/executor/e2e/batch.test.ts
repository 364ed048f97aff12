import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/**
 * batchEvents end to end with the real SDK (issue 14): one run per batch with up to maxSize
 * events in `events`, started when full or at the timeout; every event in exactly one run; one
 * open batch per `key`; `if` false runs the event alone at once; invocations are not batched.
 */
interface SeenRun {
  runId: string;
  /** `data.n` of each event, in the order of `events`. */
  ns: number[];
  users: string[];
  /** `event` is `events[0]`. */
  firstIsEvent: boolean;
  startedAt: number;
}

const TIMEOUT_MS = 2_000;

function recorder(into: Map<string, SeenRun>) {
  return ({ event, events, runId }: { event: unknown; events: unknown[]; runId: string }) => {
    const list = events as { data: { n: number; user?: string } }[];
    if (!into.has(runId))
      into.set(runId, {
        runId,
        ns: list.map((e) => e.data.n),
        users: list.map((e) => String(e.data.user)),
        firstIsEvent: JSON.stringify(event) === JSON.stringify(events[0]),
        startedAt: Date.now(),
      });
    return list.length;
  };
}

describe('batchEvents (dev mode)', () => {
  const plain = new Map<string, SeenRun>();
  const keyed = new Map<string, SeenRun>();
  const conditional = new Map<string, SeenRun>();
  const h = useE2E('dev', 'batching', (inngest) => {
    const cond = inngest.createFunction(
      {
        id: 'conditional',
        batchEvents: { maxSize: 5, timeout: '2s', if: 'event.data.batch == true' },
        triggers: [{ event: 'batch/cond' }],
      },
      recorder(conditional),
    );
    return [
      inngest.createFunction(
        {
          id: 'plain',
          batchEvents: { maxSize: 3, timeout: '2s' },
          triggers: [{ event: 'batch/p' }],
        },
        recorder(plain),
      ),
      inngest.createFunction(
        {
          id: 'keyed',
          batchEvents: { maxSize: 2, timeout: '2s', key: 'event.data.user' },
          triggers: [{ event: 'batch/k' }],
        },
        recorder(keyed),
      ),
      cond,
      inngest.createFunction(
        { id: 'caller', triggers: [{ event: 'batch/call' }] },
        async ({ step }) =>
          await step.invoke('call', { function: cond, data: { n: 100, batch: true } }),
      ),
    ];
  });

  it('7 events, maxSize 3: runs of 3, 3 and 1 events, the last at the timeout', async () => {
    const sentAt: number[] = [];
    for (let n = 1; n <= 7; n++) {
      sentAt.push(Date.now());
      await h.engine.send({ name: 'batch/p', data: { n } });
    }
    await expect.poll(() => plain.size, { timeout: 10_000 }).toBe(3);
    const runs = [...plain.values()].sort((a, b) => a.startedAt - b.startedAt);
    expect(runs.map((r) => r.ns)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    // Every event in exactly one run.
    expect(runs.flatMap((r) => r.ns).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(runs.every((r) => r.firstIsEvent)).toBe(true);
    // The full ones start at once, the last one at its timeout after the 7th event.
    expect((runs[0] as SeenRun).startedAt - (sentAt[2] as number)).toBeLessThan(1_000);
    expect((runs[1] as SeenRun).startedAt - (sentAt[5] as number)).toBeLessThan(1_000);
    const lastWait = (runs[2] as SeenRun).startedAt - (sentAt[6] as number);
    expect(lastWait).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(lastWait).toBeLessThan(TIMEOUT_MS + 1_500);
    for (const r of runs) {
      const view = await h.engine.waitForRun(r.runId);
      expect(view.status).toBe('completed');
      expect(view.output).toBe(r.ns.length);
      expect(view.events).toHaveLength(r.ns.length);
      expect(view.batchId).toMatch(/^[0-9A-Z]{26}$/);
    }
    // Nothing more starts later (no second run of a batch by its timer).
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 500));
    expect(plain.size).toBe(3);
  }, 30_000);

  it('key: one open batch per key value', async () => {
    const users = ['a', 'b', 'a', 'c', 'b'];
    for (const [i, user] of users.entries())
      await h.engine.send({ name: 'batch/k', data: { n: i + 1, user } });
    await expect.poll(() => keyed.size, { timeout: 10_000 }).toBe(3);
    const byUser = Object.fromEntries(
      [...keyed.values()].map((r) => [r.users[0] as string, { ns: r.ns, users: r.users }]),
    );
    expect(byUser).toEqual({
      a: { ns: [1, 3], users: ['a', 'a'] },
      b: { ns: [2, 5], users: ['b', 'b'] },
      c: { ns: [4], users: ['c'] },
    });
  }, 30_000);

  it('if false: the event runs alone, at once; if true: it waits for its batch', async () => {
    const t0 = Date.now();
    await h.engine.send({ name: 'batch/cond', data: { n: 1, batch: true } });
    const { ids } = await h.engine.send({ name: 'batch/cond', data: { n: 2, batch: false } });
    const [alone] = Object.keys(await h.engine.runsOf(ids[0] as string));
    expect(alone).toBeDefined();
    expect((await h.engine.waitForRun(alone as string)).status).toBe('completed');
    expect(conditional.get(alone as string)?.ns).toEqual([2]);
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS - 200);
    expect((await h.engine.getRun(alone as string))?.batchId).toBeUndefined();
    await expect.poll(() => conditional.size, { timeout: 10_000 }).toBe(2);
    const batched = [...conditional.values()].find((r) => r.runId !== alone);
    expect(batched?.ns).toEqual([1]);
    expect((batched?.startedAt as number) - t0).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  }, 30_000);

  it('an invocation is not batched: the invoked run starts at once with its one event', async () => {
    const before = conditional.size;
    const t0 = Date.now();
    const [caller] = await h.trigger('batch/call');
    const view = await h.engine.waitForRun(caller as string, { timeoutMs: 20_000 });
    expect(view.status).toBe('completed');
    expect(view.output).toBe(1);
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS - 200);
    expect(conditional.size).toBe(before + 1);
    expect([...conditional.values()].at(-1)?.ns).toEqual([100]);
  }, 30_000);
});
