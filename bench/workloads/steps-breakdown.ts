import type { Redis } from 'ioredis';
import type { TransportCall } from '../harness/counting-transport.js';
import { round2 } from '../harness/result.js';

/** Where the step-to-step gaps went: per kind of Redis call, ms per gap and calls per gap. */
export interface GapSplit {
  meanGapMs: number;
  byCall: { name: string; msPerGap: number; callsPerGap: number }[];
  /** Gap time with no Redis call of this process in flight: JS, the event loop, waits. */
  noCallMsPerGap: number;
}

/**
 * Attributes each gap [response, next request] to the Redis calls in flight during it (their
 * overlap with the gap, by name), and the rest to none. Only meaningful while one run is in
 * flight: then every call in a gap belongs to that run or to the processor's background work.
 */
export function splitGaps(gaps: [number, number][], calls: TransportCall[]): GapSplit {
  const ms = new Map<string, number>();
  const count = new Map<string, number>();
  let total = 0;
  let covered = 0;
  const sorted = [...calls].sort((a, b) => a.t0 - b.t0);
  for (const [from, to] of gaps) {
    total += to - from;
    const spans: [number, number][] = [];
    for (const c of sorted) {
      if (c.t0 >= to) break;
      if (c.t1 <= from) continue;
      const a = Math.max(c.t0, from);
      const b = Math.min(c.t1, to);
      ms.set(c.name, (ms.get(c.name) ?? 0) + (b - a));
      count.set(c.name, (count.get(c.name) ?? 0) + 1);
      spans.push([a, b]);
    }
    covered += unionLength(spans);
  }
  const n = Math.max(1, gaps.length);
  const byCall = [...ms.entries()]
    .map(([name, v]) => ({
      name,
      msPerGap: round2(v / n),
      callsPerGap: round2((count.get(name) ?? 0) / n),
    }))
    .sort((a, b) => b.msPerGap - a.msPerGap);
  return { meanGapMs: round2(total / n), byCall, noCallMsPerGap: round2((total - covered) / n) };
}

function unionLength(spans: [number, number][]): number {
  spans.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    sum += b - Math.max(a, end);
    end = b;
  }
  return sum;
}

export function formatGapSplit(s: GapSplit): string {
  const parts = s.byCall.map((c) => `${c.name} ${c.msPerGap} ms (${c.callsPerGap}×)`);
  return `${parts.join(', ')}; no Redis call in flight ${s.noCallMsPerGap} ms`;
}

/** Server time per kind of call, from SLOWLOG: name -> calls and µs inside Redis. */
export type ServerSplit = Map<string, { calls: number; us: number }>;

const IGNORED = new Set(['info', 'config', 'slowlog', 'subscribe', 'ping', 'client', 'quit']);

/**
 * Runs `work` with every command logged by SLOWLOG (slowlog-log-slower-than 0), then restores
 * the server's settings, and returns the server µs of each kind of call: scripts by name (from
 * `names`, SHA -> name), other commands by their own name. Only for a server the bench owns.
 */
export async function withSlowlog<T>(
  admin: Redis,
  names: ReadonlyMap<string, string>,
  work: () => Promise<T>,
): Promise<{ value: T; split: ServerSplit }> {
  const get = async (k: string) => ((await admin.call('CONFIG', 'GET', k)) as string[])[1] ?? '';
  const before = {
    slower: await get('slowlog-log-slower-than'),
    len: await get('slowlog-max-len'),
  };
  await admin.call('CONFIG', 'SET', 'slowlog-max-len', '100000');
  await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
  await admin.call('SLOWLOG', 'RESET');
  let value: T;
  let entries: unknown[][];
  try {
    value = await work();
  } finally {
    await admin.call('CONFIG', 'SET', 'slowlog-log-slower-than', before.slower);
    entries = (await admin.call('SLOWLOG', 'GET', '100000')) as unknown[][];
    await admin.call('SLOWLOG', 'RESET');
    await admin.call('CONFIG', 'SET', 'slowlog-max-len', before.len);
  }
  const split: ServerSplit = new Map();
  for (const e of entries) {
    // Redis 7 logs the commands a script calls too, from client '?:0': its EVALSHA's time has them.
    if (e[4] === '?:0') continue;
    const us = Number(e[2]);
    const args = (e[3] as unknown[]).map(String);
    const command = (args[0] ?? '').toLowerCase();
    if (IGNORED.has(command)) continue;
    const name = command.startsWith('eval') ? (names.get(args[1] ?? '') ?? command) : command;
    const s = split.get(name) ?? { calls: 0, us: 0 };
    s.calls++;
    s.us += us;
    split.set(name, s);
  }
  return { value: value!, split };
}

/** "loadRun 1.0×31 µs, …" per step: calls per step and server µs per call, most time first. */
export function formatServerSplit(split: ServerSplit, steps: number): string {
  return [...split.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .map(
      ([name, s]) =>
        `${name} ${round2(s.calls / Math.max(1, steps))}×${Math.round(s.us / Math.max(1, s.calls))} µs`,
    )
    .join(', ');
}

export function totalServerUs(split: ServerSplit): number {
  let us = 0;
  for (const s of split.values()) us += s.us;
  return us;
}
