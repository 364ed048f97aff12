import type { Redis } from 'ioredis';

/** The executor's context on a fresh shard: one builder for tests and properties. */
export { executorContext } from '../testkit/executor-context.js';

/**
 * Everything on a shard (its keys share the hash tag `{<shard>}`), by key: type and contents in
 * a canonical form, to tell whether a call wrote anything.
 */
export async function dumpShard(raw: Redis, shard: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await raw.scan(cursor, 'MATCH', `{${shard}}:*`, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await raw.type(key);
    if (type === 'hash') out[key] = sortedEntries(await raw.hgetall(key));
    else if (type === 'list') out[key] = await raw.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await raw.smembers(key)).sort();
    else if (type === 'zset') out[key] = await raw.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'string') out[key] = await raw.get(key);
    else if (type !== 'none') out[key] = `(${type})`;
  }
  return out;
}

function sortedEntries(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
