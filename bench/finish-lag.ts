/**
 * Finish lag after a burst: --runs runs of a function that returns at once (events sent in
 * batches of 100), served by the real `inngest` SDK in-process. Per run: when its SDK call
 * finished (onStepFinished) and when its finish item ran (onFunctionFinished, the event that
 * durq_runs_total{status="completed"} counts). Reports the lag's distribution, how many runs had
 * ended when half the SDK calls were answered, and (--snapshot) at that moment the ready sets by
 * item kind with their score ranges (ms after the first send). --preload queues the whole burst
 * from an engine that runs nothing before processing starts. Starts its own redis-server.
 * Usage: npm run bench:finish-lag -- [--runs 3000] [--concurrency 100] [--preload] [--snapshot]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Inngest } from 'inngest';
import { createEngine, type Engine, type LifecycleListener } from '../src/index.js';
import { ShardKeys } from '../src/internal.js';
import { inProcessApp, InProcessTransport } from '../testkit/in-process-sdk.js';
import { startRedisServer } from '../testkit/redis-server.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '100' },
    preload: { type: 'boolean', default: false },
    snapshot: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
if (!Number.isSafeInteger(runs) || runs < 2) throw new Error(`--runs must be an integer > 1`);

const functions = (inngest: Inngest) => [
  inngest.createFunction({ id: 'noop', triggers: [{ event: 'lag/go' }] }, async () => 'ok'),
];
const called = new Map<string, number>();
const ended = new Map<string, number>();
const listener: LifecycleListener = {
  onStepFinished: (e) =>
    void (called.has(e.run.runId) || called.set(e.run.runId, performance.now())),
  onFunctionFinished: (e) => void ended.set(e.runId, performance.now()),
};

const redis = await startRedisServer();
const app = inProcessApp({ host: 'lag.app', appId: 'lag', functions, quiet: true });
const transport = new InProcessTransport([app]);
const processing = (): Promise<Engine> =>
  createEngine({
    redis: redis.url,
    httpTransport: transport,
    openTelemetry: false,
    concurrency,
    listeners: [listener],
    log: () => {},
  });
const sender = values.preload
  ? await createEngine({
      redis: redis.url,
      httpTransport: transport,
      openTelemetry: false,
      process: false,
    })
  : await processing();
await sender.registerApp(app.url);
const sentAt = performance.now();
const sentAtWall = Date.now();
for (let i = 0; i < runs; i += 100) {
  const n = Math.min(100, runs - i);
  await sender.send(Array.from({ length: n }, (_, j) => ({ name: 'lag/go', data: { i: i + j } })));
}
const sendMs = performance.now() - sentAt;
let engine = sender;
if (values.preload) {
  await sender.close();
  engine = await processing();
}

/** The ready sets by item kind, read in one script (atomic while the processor runs). */
async function snapshot(): Promise<unknown> {
  const keys = new ShardKeys('durq');
  const r = new Redis(redis.url);
  const out: Record<string, Record<string, { n: number; minScore: number; maxScore: number }>> = {};
  for (const key of await r.keys(`${keys.prefix}:ready:*`)) {
    const flat = (await r.eval(
      `local m = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
       local out = {}
       for i = 1, #m, 2 do
         local j = redis.call('HGET', KEYS[2], m[i])
         out[#out + 1] = j and cjson.decode(j).k or 'gone'
         out[#out + 1] = m[i + 1]
       end
       return out`,
      2,
      key,
      keys.items(),
    )) as string[];
    const byKind: (typeof out)[string] = {};
    for (let i = 0; i < flat.length; i += 2) {
      const score = Math.round(Number(flat[i + 1]) - sentAtWall);
      const b = (byKind[flat[i]!] ??= { n: 0, minScore: Infinity, maxScore: -Infinity });
      b.n++;
      b.minScore = Math.min(b.minScore, score);
      b.maxScore = Math.max(b.maxScore, score);
    }
    out[key] = byKind;
  }
  await r.quit();
  return out;
}

let snap: unknown;
const deadline = Date.now() + 300_000;
while (ended.size < runs && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50));
  transport.exchanges.length = 0;
  if (values.snapshot && snap === undefined && called.size >= runs / 2) snap = await snapshot();
}
const end = performance.now();
const lags = [...called].map(([id, t]) => (ended.get(id) ?? end) - t).sort((a, b) => a - b);
const q = (p: number) => Math.round(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!);
const callTimes = [...called.values()].sort((a, b) => a - b);
const half = callTimes[Math.floor(callTimes.length / 2)]!;
console.log(
  JSON.stringify(
    {
      runs,
      concurrency,
      preload: values.preload,
      sendMs: Math.round(sendMs),
      sdkCalls: called.size,
      ended: ended.size,
      lastSdkCallMs: Math.round(Math.max(...callTimes) - sentAt),
      lastEndMs: Math.round(Math.max(...ended.values()) - sentAt),
      endedWhenHalfTheCallsWereAnswered: [...ended.values()].filter((t) => t <= half).length,
      lagMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) },
      ...(snap !== undefined ? { readySetsAtHalf: snap } : {}),
    },
    null,
    1,
  ),
);
await engine.close();
await redis.stop();
