import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DurqError,
  executorHandler,
  interpretResponse,
  itemIdOf,
  itemPayload,
  JobIds,
  OPCODES,
  RunKeys,
  sendEvents,
  type HandlerContext,
  type HttpResponse,
  type HttpTransport,
  type QueueItem,
  type QueueShard,
} from '../src/internal.js';
import { useRedis } from '../testkit/redis-fixture.js';
import { dumpShard, executorContext } from './executor-context.js';
import { propertyParams } from './settings.js';

/**
 * The driver's reading of an SDK's answer, fuzzed: any status, headers and body classify without
 * throwing, as the protocol reference says (sdk-http-protocol.md §3.2, the Go driver's
 * ShouldRetry). The oracle below restates those rules on its own; it does not call the driver's
 * helpers. Then the same answers go through the executor's commit path on real Redis (the second
 * describe): they never throw an untyped error, and never half-write the run's state.
 */
const NOW = 1_800_000_000_000;
const URL = 'http://app.test/api/inngest?fnId=f';

const op = fc.record(
  {
    op: fc.oneof(fc.constantFrom(...OPCODES), fc.string({ maxLength: 8 })),
    id: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.constant(''), fc.integer()),
    name: fc.string({ maxLength: 6 }),
    data: fc.jsonValue({ maxDepth: 2 }),
    timing: fc.constant({ a: 1, b: 2 }),
  },
  { requiredKeys: ['op'] },
);
const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.array(op, { maxLength: 4 }).map((ops) => JSON.stringify(ops)),
  op.map((o) => JSON.stringify(o)),
  fc
    .record({ name: fc.string(), message: fc.string(), stack: fc.string() })
    .map((e) => JSON.stringify(e)),
);
const headers = fc.record(
  {
    'x-inngest-sdk': fc.constantFrom('inngest-js:v4.24.0', ''),
    'x-inngest-no-retry': fc.constantFrom('true', 'false', 'TRUE', ' true ', 'yes', ''),
    'retry-after': fc.oneof(
      fc.integer({ min: -5, max: 200_000 }).map(String),
      fc.constantFrom('Wed, 21 Oct 2026 07:28:00 GMT', '2027-01-01T00:00:00Z', 'soon', ''),
    ),
    'x-inngest-req-version': fc.constantFrom('2', '1', '-1', 'x', ''),
  },
  { requiredKeys: [] },
);
const status = fc.oneof(
  fc.constantFrom(200, 206, 201, 401, 400, 500, 502, 204, 301, 404, 429),
  fc.integer({ min: 100, max: 599 }),
);

/** The protocol's classification, restated. */
function expected(
  res: HttpResponse,
): { kind: string; reason?: string; retriable?: boolean } | null {
  if (res.status === 401) return { kind: 'error', reason: 'unauthorized', retriable: true };
  if (res.status === 201) return null; // a stream envelope: checked only for not throwing
  if (res.headers['x-inngest-sdk'] === undefined)
    return { kind: 'error', reason: 'non-sdk', retriable: true };
  if (res.status === 200) {
    if (res.body.trim() === '') return { kind: 'result' };
    try {
      JSON.parse(res.body);
      return { kind: 'result' };
    } catch {
      return { kind: 'error', reason: 'invalid-response', retriable: true };
    }
  }
  if (res.status === 206) return null; // ops or invalid-response: checked below
  if (res.status >= 300) {
    const noRetry = res.headers['x-inngest-no-retry']?.trim().toLowerCase() === 'true';
    return { kind: 'error', reason: 'sdk', retriable: !noRetry };
  }
  return { kind: 'error', reason: 'invalid-response', retriable: true };
}

describe('driver response handling (fuzzed)', () => {
  it('any answer classifies without throwing, as the protocol says', () => {
    fc.assert(
      fc.property(status, headers, body, (s, h, b) => {
        const res: HttpResponse = { status: s, headers: h as Record<string, string>, body: b };
        const out = interpretResponse(res, URL, NOW);
        const want = expected(res);
        if (want !== null) expect(out).toMatchObject(want);
        if (res.status === 206 && res.headers['x-inngest-sdk'] !== undefined) {
          expect(['ops', 'error']).toContain(out.kind);
          if (out.kind === 'error') expect(out.reason).toBe('invalid-response');
          if (out.kind === 'ops')
            for (const o of out.ops) {
              expect(OPCODES).toContain(o.op);
              expect(typeof o.id).toBe('string');
            }
        }
        if (out.kind === 'error') {
          expect(typeof out.error.name).toBe('string');
          expect(typeof out.error.message).toBe('string');
          expect(out.error.message.length).toBeGreaterThan(0);
        }
        if ('retryAt' in out && out.retryAt !== undefined) {
          expect(out.retryAt).toBeGreaterThanOrEqual(NOW + 1000);
          expect(out.retryAt).toBeLessThanOrEqual(NOW + 24 * 3600 * 1000);
        }
      }),
      propertyParams(2000),
    );
  });

  it('the oracle can fail: a 500 with X-Inngest-No-Retry: true is final, without it retriable', () => {
    const sdk = { 'x-inngest-sdk': 'inngest-js:v4.24.0' };
    const final = interpretResponse(
      { status: 500, headers: { ...sdk, 'x-inngest-no-retry': 'true' }, body: '{}' },
      URL,
      NOW,
    );
    const again = interpretResponse({ status: 500, headers: sdk, body: '{}' }, URL, NOW);
    expect(final).toMatchObject({ kind: 'error', retriable: false });
    expect(again).toMatchObject({ kind: 'error', retriable: true });
  });
});

const SDK = { 'x-inngest-sdk': 'inngest-js:v4.24.0' };
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
/** Step IDs that collide on purpose: with each other and with the warmed-up step 'w'. */
const ID_POOL = [sha1('w'), sha1('a'), sha1('b')];
const COMPLETE_ID = sha1('complete');

/** Opcodes with the fields their planners read, from values both sound and broken. */
const richOp = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom(
        'StepRun',
        'StepError',
        'StepFailed',
        'StepPlanned',
        'Sleep',
        'WaitForEvent',
        'InvokeFunction',
        'RunComplete',
        'DiscoveryRequest',
        'None',
        'DeferAdd',
      ),
      fc.constantFrom(...OPCODES),
    ),
    id: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ID_POOL) },
      { weight: 1, arbitrary: fc.constantFrom(COMPLETE_ID, '', 'x') },
      { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{40}$/) },
    ),
    name: fc.constantFrom('1s', '2027-01-01T00:00:00Z', 'soon', 'model/go', ''),
    displayName: fc.string({ maxLength: 4 }),
    opts: fc.oneof(
      fc.record(
        {
          timeout: fc.constantFrom('1h', '1s', '', 'never', '400d'),
          event: fc.constantFrom('model/go', ''),
          if: fc.constantFrom('event.data.x == async.data.x', 'async.data.(('),
        },
        { requiredKeys: [] },
      ),
      // An unknown target: the step resumes at once with an error (no invocation is sent).
      fc.record({ function_id: fc.constantFrom('nope', '') }),
      fc.record({ duration: fc.constantFrom('2s', 'x') }),
      fc.record({ parallelMode: fc.constantFrom('race', '') }),
    ),
    data: fc.jsonValue({ maxDepth: 2 }),
    error: fc.record({ name: fc.string({ maxLength: 4 }), message: fc.string({ maxLength: 8 }) }),
  },
  { requiredKeys: ['op', 'id'] },
);
/** Answers a step request may get: mostly 206 opcodes from an SDK, and the fuzz above. */
const answer = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      status: fc.constant(206),
      headers: fc.constant(SDK),
      body: fc.array(richOp, { minLength: 1, maxLength: 3 }).map((ops) => JSON.stringify(ops)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      status,
      headers: fc.tuple(headers, fc.boolean()).map(([h, sdk]) => ({ ...(sdk ? SDK : {}), ...h })),
      body,
    }),
  },
);

/** A first answer that commits step 'w', so that the fuzzed one meets a run with a memo. */
const WARM: HttpResponse = {
  status: 206,
  headers: SDK,
  body: JSON.stringify([{ op: 'StepRun', id: sha1('w'), name: 'w', displayName: 'w', data: 1 }]),
};

const appConfig = {
  app_id: 'fz',
  functions: [0, 2].map((retries) => ({
    id: `fz-r${retries}`,
    name: `r${retries}`,
    triggers: [{ event: `fz/go-r${retries}` }],
    steps: {
      step: {
        id: 'step',
        name: 'step',
        runtime: {
          type: 'http',
          url: `http://fz.test/api/inngest?fnId=fz-r${retries}&stepId=step`,
        },
        retries: { attempts: retries },
      },
    },
  })),
};

interface RunSnapshot {
  meta: Record<string, string>;
  memo: Record<string, string>;
  memoExists: boolean;
  stack: string[];
  pendingExists: boolean;
  runItems: string[];
  runItemsExists: boolean;
  runPauses: string[];
}

async function runSnapshot(
  raw: ReturnType<typeof useRedis>['raw'],
  keys: RunKeys,
  runId: string,
): Promise<RunSnapshot> {
  return {
    meta: await raw.hgetall(keys.meta(runId)),
    memo: await raw.hgetall(keys.memo(runId)),
    memoExists: (await raw.exists(keys.memo(runId))) === 1,
    stack: await raw.lrange(keys.stack(runId), 0, -1),
    pendingExists: (await raw.exists(keys.pending(runId))) === 1,
    runItems: await raw.smembers(keys.runItems(runId)),
    runItemsExists: (await raw.exists(keys.runItems(runId))) === 1,
    runPauses: await raw.smembers(keys.runPauses(runId)),
  };
}

describe('driver responses through the executor on real Redis (fuzzed)', () => {
  const redis = useRedis();
  let n = 0;
  const seen = {
    retried: 0,
    committed: 0,
    refused: 0,
    completed: 0,
    failed: 0,
    lastAttempt: 0,
  };

  /** Leases an item to the test (as the processor does before it calls the handler). */
  async function lease(shard: QueueShard, item: QueueItem): Promise<string> {
    const r = await shard.lease(item, { durationMs: 60_000 });
    if (!r.ok) throw new Error(`lease of ${item.id} refused: ${r.reason}`);
    return r.leaseId;
  }

  /** Hands a leased item to the handler as the processor does; what it threw, if anything. */
  async function callHandler(
    handler: ReturnType<typeof executorHandler>,
    shard: QueueShard,
    item: QueueItem,
    leaseId: string,
    chain: boolean,
  ): Promise<unknown> {
    let k = 0;
    const hctx: HandlerContext = {
      signal: new AbortController().signal,
      attempt: item.attempt,
      payload: itemPayload(item),
      shard: shard.name,
      settle: (op) => op(leaseId),
      ...(chain
        ? {
            chain: {
              newLease: () => ({
                id: `${leaseId.slice(0, 20)}${String(++k).padStart(6, '0')}`,
                expiresAt: 0,
              }),
              limits: {},
            },
          }
        : {}),
    };
    try {
      await handler(item, hctx);
      return undefined;
    } catch (err) {
      return err ?? new Error('threw undefined');
    }
  }

  it('any answer leaves the state as it was (and the attempt retries) or one complete commit', async () => {
    await fc.assert(
      fc.asyncProperty(
        answer,
        fc.constantFrom(0, 2, 2),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (res, retries, warm, last, chain) => {
          const answers = warm ? [WARM, res] : [res];
          const http: HttpTransport = {
            send: async () => {
              const next = answers.shift();
              if (next === undefined) throw new Error('the executor asked twice');
              return next;
            },
            close: async () => {},
          };
          const name = `fz-${process.pid}-${++n}`;
          const { ctx, shard } = executorContext({
            name,
            transport: redis.transport,
            http,
            seed: n,
          });
          const keys = new RunKeys(name);
          await ctx.registry.registerConfig(appConfig, 'http://fz.test/api/inngest');
          const [eventId] = await sendEvents(ctx, { name: `fz/go-r${retries}`, data: {} });
          const [runId] = Object.keys(await ctx.store.eventRuns(eventId as string));
          if (runId === undefined) throw new Error('no run');
          const handler = executorHandler(ctx);
          const only = async () => {
            const ids = await redis.raw.hkeys(shard.keys.items());
            expect(ids).toHaveLength(1);
            return (await shard.getItem(ids[0] as string)) as QueueItem;
          };
          let item = await only();
          if (warm) {
            const warmLease = await lease(shard, item);
            expect(await callHandler(handler, shard, item, warmLease, false)).toBeUndefined();
            item = await only();
            expect(item.kind).toBe('edge');
          }
          if (last) {
            // Failed attempts before: the fuzzed answer meets the item's last attempt.
            while (item.attempt + 1 < item.maxAttempts) {
              const failed = await lease(shard, item);
              await shard.requeue(item, failed, { at: ctx.clock.now(), consumeAttempt: true });
              item = (await shard.getItem(item.id)) as QueueItem;
            }
          }
          // Every step item carries its function's budget: retries + 1 attempts.
          expect(item.maxAttempts).toBe(retries + 1);
          const lastAttempt = item.attempt + 1 >= item.maxAttempts;
          if (lastAttempt) seen.lastAttempt++;
          const leaseId = await lease(shard, item);
          const pre = await runSnapshot(redis.raw, keys, runId);
          const before = await dumpShard(redis.raw, name);
          const thrown = await callHandler(handler, shard, item, leaseId, chain);
          const want = expected(res);

          if (thrown !== undefined) {
            // A retry: typed, never on the last attempt (nothing would retry it), and nothing
            // written: the shard is as it was, the item still leased for the processor's retry.
            expect(thrown, String(thrown)).toBeInstanceOf(DurqError);
            expect(lastAttempt, 'threw on the last attempt').toBe(false);
            if (want) expect(want).toMatchObject({ kind: 'error', retriable: true });
            expect(await dumpShard(redis.raw, name)).toEqual(before);
            seen.retried++;
            return;
          }
          // Settled: the item is gone, by one commit or one finish.
          expect(await shard.getItem(item.id)).toBeNull();
          const post = await runSnapshot(redis.raw, keys, runId);
          const status = post.meta['status'];
          if (status === 'completed' || status === 'failed') {
            seen[status]++;
            if (want?.kind === 'result') expect(status).toBe('completed');
            if (want?.kind === 'error') {
              expect(status).toBe('failed');
              expect(lastAttempt || want.retriable === false).toBe(true);
            }
            expect(post.meta[status === 'completed' ? 'result' : 'error']).toBeDefined();
            expect(post.meta['ended_at']).toBeDefined();
            // A finish writes no step, drops the memo, pending set, items and pauses, and
            // queues the item that emits the terminal events.
            expect(post.stack).toEqual(pre.stack);
            expect(post.meta['step_count']).toBe(pre.meta['step_count']);
            expect([post.memoExists, post.pendingExists, post.runItemsExists]).toEqual([
              false,
              false,
              false,
            ]);
            expect(post.runPauses).toEqual([]);
            expect(await shard.getItem(itemIdOf(JobIds.finish(runId)))).not.toBeNull();
            return;
          }
          // A commit: only a 206 of opcodes commits (anything else retries or ends the run).
          expect(want, 'a non-206 answer left the run open').toBeNull();
          seen.committed++;
          const added = post.stack.slice(pre.stack.length);
          // A commit starts the run (a refused one commits nothing but the ack).
          expect(['scheduled', 'running']).toContain(status);
          if (added.length > 0) expect(status).toBe('running');
          expect(post.stack.slice(0, pre.stack.length)).toEqual(pre.stack);
          expect(new Set(post.stack).size).toBe(post.stack.length);
          expect(Object.keys(post.memo).sort()).toEqual([...pre.stack, ...added].sort());
          for (const id of pre.stack) expect(post.memo[id]).toBe(pre.memo[id]);
          expect(post.meta['step_count']).toBe(String(post.stack.length));
          const grew = added.reduce((sum, id) => sum + Buffer.byteLength(post.memo[id] ?? ''), 0);
          expect(Number(post.meta['state_size'])).toBe(Number(pre.meta['state_size']) + grew);
          for (const id of post.runItems) expect(await shard.getItem(id), id).not.toBeNull();
          // The run goes on from an item or a pause, unless the answer was refused whole (a
          // step that holds other bytes: only the ack commits) or asked for nothing.
          if (post.runItems.length + post.runPauses.length === 0) {
            expect(added, 'results saved, but nothing continues the run').toEqual([]);
            seen.refused++;
          }
        },
      ),
      propertyParams(300),
    );
    console.log(`driver responses through the executor: ${n} answers`, seen);
    for (const [what, count] of Object.entries(seen))
      expect(count, `never reached: ${what}`).toBeGreaterThan(0);
  }, 60_000);
});
