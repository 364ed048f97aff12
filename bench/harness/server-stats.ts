import type { Redis } from 'ioredis';

/** What one Redis server has done so far, read from INFO (never reset: it may be shared). */
export interface ServerSnapshot {
  /** Process CPU (user + sys), µs: everything it did, parsing and networking included. */
  cpuUs: number;
  /** Commands executed, by name (INFO commandstats). */
  calls: Map<string, number>;
  /** µs spent inside each command (INFO commandstats). */
  usec: Map<string, number>;
  /** used_memory, bytes. */
  memory: number;
}

/** The cost of a stretch of work, summed over the servers it ran on. */
export interface ServerCost {
  cpuUs: number;
  /** Requests from clients: set by `measure` (the servers count script-internal calls too). */
  commands: number;
  /** Time inside EVAL/EVALSHA, µs. */
  scriptUs: number;
  scriptCalls: number;
  /** CPU µs of each server, in the target's master order. */
  cpuUsPerServer: number[];
}

/** Commands the harness itself sends to read the figures; left out of the cost. */
const HARNESS_COMMANDS = new Set(['info', 'config', 'scan', 'unlink', 'cluster', 'ping', 'client']);
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall']);

export async function snapshot(client: Redis): Promise<ServerSnapshot> {
  const text = await client.info('all');
  const num = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const m of text.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)) {
    calls.set(m[1]!, Number(m[2]));
    usec.set(m[1]!, Number(m[3]));
  }
  return {
    cpuUs: Math.round((num('used_cpu_user') + num('used_cpu_sys')) * 1e6),
    calls,
    usec,
    memory: num('used_memory'),
  };
}

/** The cost between two snapshots of each server, summed. */
export function costBetween(before: ServerSnapshot[], after: ServerSnapshot[]): ServerCost {
  const cost: ServerCost = {
    cpuUs: 0,
    commands: 0,
    scriptUs: 0,
    scriptCalls: 0,
    cpuUsPerServer: [],
  };
  after.forEach((a, i) => {
    const b = before[i]!;
    cost.cpuUs += a.cpuUs - b.cpuUs;
    cost.cpuUsPerServer.push(a.cpuUs - b.cpuUs);
    for (const [name, n] of a.calls) {
      if (HARNESS_COMMANDS.has(name)) continue;
      const calls = n - (b.calls.get(name) ?? 0);
      cost.commands += calls;
      if (SCRIPT_COMMANDS.has(name)) {
        cost.scriptCalls += calls;
        cost.scriptUs += (a.usec.get(name) ?? 0) - (b.usec.get(name) ?? 0);
      }
    }
  });
  return cost;
}

/** Server µs per call of one command between two snapshots of one server (0 if never called). */
export function usPerCall(before: ServerSnapshot, after: ServerSnapshot, name: string): number {
  const calls = (after.calls.get(name) ?? 0) - (before.calls.get(name) ?? 0);
  const us = (after.usec.get(name) ?? 0) - (before.usec.get(name) ?? 0);
  return calls > 0 ? us / calls : 0;
}
