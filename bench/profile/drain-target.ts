/**
 * The process that bench:profile profiles: a private redis-server, N no-op items preloaded and
 * drained by one durq processor (durqDrain, bench/workloads/drain.ts), then it is stopped.
 * Run as: tsx bench/profile/drain-target.ts [--items N] [--concurrency C] [--window FILE]
 * (bench:profile runs a bundle of it: see bundle.ts).
 * --window writes {startUs, endUs} of the drain phase (preload excluded) on the monotonic clock
 * that V8's CPU profiler stamps its samples with, so a .cpuprofile can be cut to the drain alone.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openTarget } from '../harness/target.js';
import { durqDrain } from '../workloads/drain.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '100' },
    window: { type: 'string' },
  },
});
const items = Number(values.items);
const concurrency = Number(values.concurrency);
if (!Number.isSafeInteger(items) || items < 1)
  throw new Error(`--items takes a positive integer, got ${values.items}`);
if (!Number.isSafeInteger(concurrency) || concurrency < 1)
  throw new Error(`--concurrency takes a positive integer, got ${values.concurrency}`);

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const target = await openTarget({});
try {
  const started = nowUs();
  const r = await durqDrain(target, `profile${process.pid}`, {
    items,
    concurrency,
    functions: 100,
    accounts: 10,
    functionLimit: 50,
  });
  const returned = nowUs();
  // The drain times itself (wallMs), then closes its clients: the window ends at its return, so
  // it sits late by the time that close takes (a few ms).
  const window = { startUs: Math.max(started, returned - r.wallMs * 1000), endUs: returned };
  if (values.window) writeFileSync(values.window, JSON.stringify(window));
  process.stdout.write(
    `drain-target: ${r.items} items, concurrency ${concurrency}: ${r.itemsPerSec} items/s, ` +
      `drain ${r.wallMs} ms of ${Math.round((returned - started) / 1000)} ms ` +
      `(rest: preload and setup); redis ${r.redisUsPerItem} µs/item; ` +
      `dup ${r.duplicates} lost ${r.lost}; ${target.pinning}\n`,
  );
} finally {
  await target.stop();
}
