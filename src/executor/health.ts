import type { ExecutorContext } from './context.js';

/** How long health() waits for Redis before calling it unreachable, ms. */
export const HEALTH_TIMEOUT_MS = 1000;

/**
 * Whether every queue shard answers a cheap read within `timeoutMs`. A client that lost its
 * connection holds commands until it reconnects, so without the bound a health check would hang
 * for as long as Redis is away.
 */
export async function redisReachable(
  ctx: ExecutorContext,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<boolean> {
  const stop = new AbortController();
  const probe = Promise.all(ctx.queue.shards.map((s) => s.countItems())).then(
    () => true,
    () => false,
  );
  const timeout = ctx.clock.sleep(timeoutMs, stop.signal).then(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    stop.abort();
  }
}

/** The items each queue shard holds, by shard name. */
export async function queueDepth(ctx: ExecutorContext): Promise<Record<string, number>> {
  const counts = await Promise.all(ctx.queue.shards.map((s) => s.countItems()));
  return Object.fromEntries(ctx.queue.shards.map((s, i) => [s.name, counts[i] as number]));
}
