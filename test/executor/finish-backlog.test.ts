import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inngest } from 'inngest';
import { createEngine, type Engine, type LifecycleListener } from '../../src/index.js';
import { inProcessApp, InProcessTransport } from '../../testkit/in-process-sdk.js';
import { startRedisServer, type RedisServer } from '../../testkit/redis-server.js';

/**
 * A burst of runs queued before any is processed, each of a function that returns at once: a
 * run's finish item (the terminal events and onFunctionFinished) must not wait behind the start
 * items of the whole backlog, which share its function partition.
 */
const RUNS = 200;
const functions = (inngest: Inngest) => [
  inngest.createFunction({ id: 'noop', triggers: [{ event: 'burst/go' }] }, async () => 'ok'),
];

let redis: RedisServer;
let engine: Engine | undefined;
const order: ('call' | 'finish')[] = [];
const listener: LifecycleListener = {
  onStepFinished: () => void order.push('call'),
  onFunctionFinished: () => void order.push('finish'),
};

beforeAll(async () => {
  redis = await startRedisServer();
  const app = inProcessApp({ host: 'burst.app', appId: 'burst', functions, quiet: true });
  const transport = new InProcessTransport([app]);
  const queuer = await createEngine({
    redis: redis.url,
    httpTransport: transport,
    openTelemetry: false,
    process: false,
  });
  await queuer.registerApp(app.url);
  // Queued by an engine that runs nothing, so the whole burst waits before any is processed.
  for (let i = 0; i < RUNS; i += 100)
    await queuer.send(
      Array.from({ length: 100 }, (_, j) => ({ name: 'burst/go', data: { n: i + j } })),
    );
  await queuer.close();
  engine = await createEngine({
    redis: redis.url,
    httpTransport: transport,
    openTelemetry: false,
    concurrency: 10,
    listeners: [listener],
    processor: { idleMaxMs: 50 },
  });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await redis?.stop();
});

describe('finish items behind a backlog', () => {
  it('a run is counted as ended soon after its SDK call, not after the whole backlog', async () => {
    const deadline = Date.now() + 30_000;
    while (order.filter((o) => o === 'finish').length < RUNS && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(order.filter((o) => o === 'finish')).toHaveLength(RUNS);
    // When half of the SDK calls had been answered, most of those runs had ended too (scored at
    // the time their run ended, none had: every finish item waited for the last start item).
    const halfway = nthIndex(order, 'call', RUNS / 2);
    const endedByThen = order.slice(0, halfway).filter((o) => o === 'finish').length;
    expect(endedByThen).toBeGreaterThanOrEqual(RUNS / 4);
  }, 40_000);
});

function nthIndex<T>(xs: readonly T[], x: T, n: number): number {
  let seen = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] === x && ++seen === n) return i;
  return -1;
}
