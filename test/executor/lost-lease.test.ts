import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executorHandler,
  itemPayload,
  LeaseLostError,
  sendEvents,
  UndiciTransport,
  type HandlerContext,
} from '../../src/internal.js';
import { executorContext } from '../../testkit/executor-context.js';
import { useRedis } from '../../testkit/redis-fixture.js';
import { startSdkApp, type SdkApp } from '../../testkit/sdk-app.js';

/**
 * A last attempt whose lease was lost before its SDK request (the process stalled, or its
 * processor is closing) ends nothing: the item runs again where it is leased now. Real Redis, a
 * real SDK app over loopback and the real HTTP transport (which refuses an aborted request).
 */
describe('a last attempt that lost its lease', () => {
  const redis = useRedis();
  const http = new UndiciTransport();
  let app: SdkApp;
  let bodies = 0;

  beforeAll(async () => {
    app = await startSdkApp({
      appId: 'lost',
      functions: (inngest) => [
        inngest.createFunction(
          { id: 'once', retries: 0, triggers: [{ event: 'lost/go' }] },
          async ({ step }) => step.run('s1', () => ++bodies),
        ),
      ],
    });
  });
  afterAll(async () => {
    await app.stop();
    await http.close();
  });

  it('fails no run: the handler rethrows, the run stays open, its item is still queued', async () => {
    const { ctx, shard } = executorContext({
      name: `lost-${process.pid}`,
      transport: redis.transport,
      http,
      seed: 3,
    });
    await ctx.registry.registerApp(app.url);
    const [eventId] = await sendEvents(ctx, { name: 'lost/go', data: {} });
    const [runId] = Object.keys(await ctx.store.eventRuns(eventId as string));
    const [item] = await ctx.store.runItems(runId!, 10);
    expect(item?.maxAttempts).toBe(1); // retries: 0, so this attempt is the last
    const lease = await shard.lease(item!, { durationMs: 30_000 });
    if (!lease.ok) throw new Error(`lease refused: ${lease.reason}`);
    const lost = new AbortController();
    lost.abort(new LeaseLostError(`lease of ${item!.id} expired while its handler ran`));
    const hctx: HandlerContext = {
      signal: lost.signal,
      attempt: item!.attempt,
      payload: itemPayload(item!),
      shard: shard.name,
      // The lease is still live in Redis (say an extension landed): a fenced finish would pass.
      settle: (op) => op(lease.leaseId),
    };
    await expect(executorHandler(ctx)(item!, hctx)).rejects.toThrow(/aborted/);
    const run = await ctx.store.readRun(runId!);
    expect(run?.meta.status).toBe('scheduled');
    expect(bodies).toBe(0);
    expect(await shard.getItem(item!.id)).not.toBeNull();
  });
});
