import { execFileSync } from 'node:child_process';
import type { Redis } from 'ioredis';
import { freePort, spawnRedis, stopProcess } from '../../sim/redis-server.js';

export interface BenchRedis {
  url: string;
  /** Which cores Redis and this process run on, when taskset could pin them. */
  pinning: string;
  stop(): Promise<void>;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A private redis-server for the benchmark. On a machine with taskset and two or more cores it is
 * pinned to core 0 and this driver process to core 1, so the two do not fight over one core.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const { proc, dir } = await spawnRedis(port);
  let pinning = 'unpinned';
  if (hasTaskset() && (await import('node:os')).cpus().length >= 2 && proc.pid) {
    execFileSync('taskset', ['-cp', '0', String(proc.pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
    pinning = 'redis on core 0, driver on core 1';
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pinning,
    stop: async () => {
      await stopProcess(proc);
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServerCost {
  /** Redis process CPU (user + sys), µs: everything it did, parsing and networking included. */
  cpuUs: number;
  /** Time inside EVAL/EVALSHA (the scripts), µs, from INFO commandstats. */
  scriptUs: number;
  /** EVAL/EVALSHA calls. */
  scriptCalls: number;
}

/** Resets the server's counters so that the next `serverCost` covers only what follows. */
export async function resetServerStats(client: Redis): Promise<ServerCost> {
  await client.config('RESETSTAT');
  return await serverCost(client);
}

export async function serverCost(client: Redis): Promise<ServerCost> {
  const cpu = await client.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(cpu)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(cpu)?.[1] ?? 0);
  const stats = await client.info('commandstats');
  let scriptUs = 0;
  let scriptCalls = 0;
  for (const m of stats.matchAll(
    /cmdstat_(evalsha|eval|evalsha_ro|eval_ro):calls=(\d+),usec=(\d+)/g,
  )) {
    scriptCalls += Number(m[2]);
    scriptUs += Number(m[3]);
  }
  return { cpuUs: Math.round((user + sys) * 1e6), scriptUs, scriptCalls };
}

export function costSince(before: ServerCost, after: ServerCost): ServerCost {
  return {
    cpuUs: after.cpuUs - before.cpuUs,
    scriptUs: after.scriptUs,
    scriptCalls: after.scriptCalls,
  };
}
