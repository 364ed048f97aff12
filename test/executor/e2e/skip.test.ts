import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/core/clock.js';
import { ServerMetrics } from '../../../src/server/metrics.js';
import { buildServer, type DurqServer } from '../../../src/server/server.js';
import { useE2E } from './harness.js';

/**
 * rateLimit, idempotency and singleton from the function config, end to end with the real SDK
 * (issue 14): runs over a limit are skipped, and a skipped run shows where runs are listed
 * (runsOf, getRun, REST) with status Skipped and its reason; it never reaches the app.
 */
interface Span {
  key: string;
  run: string;
  start: number;
  end?: number;
}

describe('rateLimit, idempotency and singleton (dev mode)', () => {
  const limitedRuns: { key: string; run: string }[] = [];
  const idemRuns: string[] = [];
  const skipSpans: Span[] = [];
  const cancelSpans: Span[] = [];
  const h = useE2E('dev', 'skip', (inngest) => [
    inngest.createFunction(
      {
        id: 'limited',
        rateLimit: { limit: 2, period: '5s', key: 'event.data.key' },
        triggers: [{ event: 'skip/limited' }],
      },
      async ({ event, step, runId }) => {
        const key = String((event.data as { key: unknown }).key);
        await step.run('count', () => limitedRuns.push({ key, run: runId }));
      },
    ),
    inngest.createFunction(
      { id: 'once', idempotency: 'event.data.id', triggers: [{ event: 'skip/once' }] },
      async ({ step, runId }) => {
        await step.run('count', () => idemRuns.push(runId));
      },
    ),
    inngest.createFunction(
      {
        id: 'single-skip',
        singleton: { key: 'event.data.key', mode: 'skip' },
        triggers: [{ event: 'skip/single' }],
      },
      async ({ event, step, runId }) => {
        const key = String((event.data as { key: unknown }).key);
        const span = await step.run('begin', () => {
          const s: Span = { key, run: runId, start: Date.now() };
          skipSpans.push(s);
          return s;
        });
        await step.sleep('hold', String((event.data as { hold: string }).hold));
        await step.run('end', () => {
          const s = skipSpans.find((o) => o.run === span.run);
          if (s) s.end = Date.now();
        });
      },
    ),
    inngest.createFunction(
      {
        id: 'single-cancel',
        singleton: { mode: 'cancel' },
        triggers: [{ event: 'skip/cancel' }],
      },
      async ({ event, step, runId }) => {
        await step.run('begin', () => cancelSpans.push({ key: '', run: runId, start: Date.now() }));
        await step.sleep('hold', String((event.data as { hold: string }).hold));
        await step.run('end', () => {
          const s = cancelSpans.find((o) => o.run === runId);
          if (s) s.end = Date.now();
        });
      },
    ),
  ]);

  let server: DurqServer;
  beforeAll(() => {
    server = buildServer({
      engine: h.engine,
      metrics: new ServerMetrics(() => h.engine.queueDepth()),
      logger: pino({ enabled: false }),
      clock: new SystemClock(),
      accountId: 'default',
      role: 'all',
    });
  });
  afterAll(async () => await server.app.close());

  /** Sends an event; resolves to its internal ID and the one run it started (or skipped). */
  async function one(name: string, data: Record<string, unknown>) {
    const { ids } = await h.engine.send({ name, data });
    const eventId = ids[0] as string;
    const runs = Object.keys(await h.engine.runsOf(eventId));
    expect(runs).toHaveLength(1);
    return { eventId, runId: runs[0] as string };
  }

  async function statusOf(runId: string): Promise<string | undefined> {
    return (await h.engine.getRun(runId))?.status;
  }

  it('rateLimit 2 per 5 s per key: 2 runs of a key, the rest Skipped; another key unaffected', async () => {
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await one('skip/limited', { key: 'a' }));
    const b = [];
    for (let i = 0; i < 2; i++) b.push(await one('skip/limited', { key: 'b' }));
    const ended = await Promise.all(
      [...a, ...b].map((r) => h.engine.waitForRun(r.runId, { timeoutMs: 30_000 })),
    );
    const statuses = ended.map((r) => r.status);
    expect(statuses.slice(0, 5)).toEqual([
      'completed',
      'completed',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(statuses.slice(5)).toEqual(['completed', 'completed']);
    const skipped = ended[2];
    expect(skipped?.skipReason).toBe('rate-limit');
    expect(skipped?.steps).toEqual([]);
    expect(skipped?.endedAt).toBeGreaterThanOrEqual(skipped?.createdAt ?? Infinity);
    expect(skipped?.eventIds).toEqual([a[2]?.eventId]);
    // The app ran exactly the admitted runs: a skipped run never reaches it.
    expect(limitedRuns.filter((r) => r.key === 'a')).toHaveLength(2);
    expect(limitedRuns.filter((r) => r.key === 'b')).toHaveLength(2);
    expect(limitedRuns.map((r) => r.run)).not.toContain(skipped?.id);

    // REST: the run and the event's runs report "Skipped".
    const run = await server.app.inject({ method: 'GET', url: `/v1/runs/${a[3]?.runId}` });
    expect((run.json() as { data: { status: string } }).data.status).toBe('Skipped');
    const list = await server.app.inject({
      method: 'GET',
      url: `/v1/events/${a[4]?.eventId}/runs`,
    });
    const data = (list.json() as { data: { run_id: string; status: string }[] }).data;
    expect(data).toEqual([expect.objectContaining({ run_id: a[4]?.runId, status: 'Skipped' })]);
  }, 60_000);

  it('a rate-limit key that evaluates to false disables the limit for that event', async () => {
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await one('skip/limited', { key: false }));
    for (const r of runs)
      expect((await h.engine.waitForRun(r.runId, { timeoutMs: 30_000 })).status).toBe('completed');
    expect(limitedRuns.filter((r) => r.key === 'false')).toHaveLength(4);
  }, 60_000);

  it('idempotency "event.data.id": one run per key, later events Skipped', async () => {
    const x = [];
    for (let i = 0; i < 3; i++) x.push(await one('skip/once', { id: 'x' }));
    const y = await one('skip/once', { id: 'y' });
    const ended = await Promise.all(
      [...x, y].map((r) => h.engine.waitForRun(r.runId, { timeoutMs: 30_000 })),
    );
    expect(ended.map((r) => r.status)).toEqual(['completed', 'skipped', 'skipped', 'completed']);
    expect(ended[1]?.skipReason).toBe('idempotency');
    expect([...idemRuns].sort()).toEqual([x[0]?.runId, y.runId].sort());
  }, 60_000);

  it('singleton skip: a second event of a live key is Skipped; after it ended one runs', async () => {
    const first = await one('skip/single', { key: 'k', hold: '2s' });
    await expect.poll(() => skipSpans.some((s) => s.run === first.runId)).toBe(true);
    // The first run is live (sleeping): the key's newcomer is skipped, another key runs.
    const second = await one('skip/single', { key: 'k', hold: '1s' });
    const other = await one('skip/single', { key: 'other', hold: '1s' });
    expect(await statusOf(second.runId)).toBe('skipped');
    expect((await h.engine.getRun(second.runId))?.skipReason).toBe('singleton');
    expect((await h.engine.waitForRun(first.runId, { timeoutMs: 30_000 })).status).toBe(
      'completed',
    );
    expect((await h.engine.waitForRun(other.runId, { timeoutMs: 30_000 })).status).toBe(
      'completed',
    );
    // Its end released the lock: the next event of the key runs.
    const third = await one('skip/single', { key: 'k', hold: '1s' });
    expect((await h.engine.waitForRun(third.runId, { timeoutMs: 30_000 })).status).toBe(
      'completed',
    );
    expect(skipSpans.map((s) => s.run)).not.toContain(second.runId);
    // The app's own observation: never two live runs of one key.
    for (const s of skipSpans)
      for (const o of skipSpans)
        if (s !== o && s.key === o.key)
          expect(
            (s.end ?? Infinity) <= o.start || (o.end ?? Infinity) <= s.start,
            JSON.stringify(skipSpans),
          ).toBe(true);
  }, 60_000);

  it('singleton cancel: the holder ends Cancelled and the newcomer completes', async () => {
    const holder = await one('skip/cancel', { hold: '30s' });
    await expect.poll(() => cancelSpans.some((s) => s.run === holder.runId)).toBe(true);
    const newcomer = await one('skip/cancel', { hold: '1s' });
    const held = await h.engine.waitForRun(holder.runId, { timeoutMs: 5_000 });
    expect(held.status).toBe('cancelled');
    expect(held.cancelReason).toBe('singleton');
    const done = await h.engine.waitForRun(newcomer.runId, { timeoutMs: 30_000 });
    expect(done.status).toBe('completed');
    const spans = Object.fromEntries(cancelSpans.map((s) => [s.run, s]));
    // The holder never reached its end; the newcomer began only after the holder had ended.
    expect(spans[holder.runId]?.end).toBeUndefined();
    expect(spans[newcomer.runId]?.start).toBeGreaterThanOrEqual(held.endedAt ?? Infinity);
  }, 60_000);
});
