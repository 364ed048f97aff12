/**
 * A script's reply as the trace records it. Replies that carry a whole hash (HGETALL) list its
 * fields in the hash's own order, which differs from server to server (Redis seeds its hash
 * function at start-up); the trace sorts those field/value pairs, so that the same history hashes
 * the same on any server. The product never relies on that order (it sorts what it iterates).
 */
export const HASH_DUMPS: Record<string, 'all' | readonly number[]> = {
  eventRuns: 'all',
  ingestEvents: [1],
  listFunctions: [1],
  loadRun: [0, 2],
  readRun: [0, 3],
};

export function traceReply(script: string, reply: unknown): string {
  const dumps = HASH_DUMPS[script];
  if (dumps === undefined || !Array.isArray(reply)) return JSON.stringify(reply);
  if (dumps === 'all') return JSON.stringify(sortPairs(reply));
  return JSON.stringify(
    reply.map((part, i) => (dumps.includes(i) && Array.isArray(part) ? sortPairs(part) : part)),
  );
}

function sortPairs(flat: readonly unknown[]): unknown[] {
  const pairs: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), flat[i + 1]]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.flat();
}
