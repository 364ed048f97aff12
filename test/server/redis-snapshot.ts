import type { Redis } from 'ioredis';

const SCAN_COUNT = 1_000;
const SCAN_ROUNDS_MAX = 10_000;

/** The command that measures a key of each type (its length, members or fields). */
const SIZE_OF: Record<string, string> = {
  string: 'strlen',
  hash: 'hlen',
  list: 'llen',
  set: 'scard',
  zset: 'zcard',
  stream: 'xlen',
};

/**
 * Every key of the database with its type and size (`key -> "zset:3"`), and DBSIZE: equal
 * snapshots before and after a request mean it stored nothing (no new key, and no member added
 * to an existing hash, set, sorted set, list or stream).
 */
export async function redisSnapshot(redis: Redis): Promise<Record<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  for (let round = 0; round < SCAN_ROUNDS_MAX; round++) {
    const [next, batch] = await redis.scan(cursor, 'COUNT', SCAN_COUNT);
    keys.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  const unique = [...new Set(keys)].sort();
  const types = await Promise.all(unique.map((key) => redis.type(key)));
  const sizes = await Promise.all(
    unique.map((key, i) => {
      const command = SIZE_OF[types[i] ?? ''];
      return command ? (redis.call(command, key) as Promise<number>) : Promise.resolve(-1);
    }),
  );
  const out: Record<string, string> = { '(dbsize)': String(await redis.dbsize()) };
  unique.forEach((key, i) => (out[key] = `${types[i]}:${sizes[i]}`));
  return out;
}
