import type { Redis } from 'ioredis';

export interface CommandStat {
  calls: number;
  /** Total µs the server spent in the command. */
  usec: number;
}

/** Every command's calls and µs so far, from INFO commandstats (lower-case command names). */
export async function commandStats(admin: Redis): Promise<Map<string, CommandStat>> {
  const info = await admin.info('commandstats');
  const stats = new Map<string, CommandStat>();
  for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** Script calls (EVALSHA, plus EVAL after a NOSCRIPT) so far and the µs they took. */
export async function scriptStats(admin: Redis): Promise<CommandStat> {
  const stats = await commandStats(admin);
  const sum: CommandStat = { calls: 0, usec: 0 };
  for (const name of ['evalsha', 'eval']) {
    const s = stats.get(name);
    if (s) {
      sum.calls += s.calls;
      sum.usec += s.usec;
    }
  }
  return sum;
}
