import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, EXECUTOR_FAULTS, type SimOptions } from '../../sim/options.js';
import { startPrivateRedisServer, type RedisServer } from '../../testkit/redis-server.js';
import { runSimulation, type SimResult } from '../../sim/run.js';
import { Redis } from 'ioredis';

/** A scenario small enough to run dozens of seeds in CI (queue and executor), every fault on. */
const CI: Omit<SimOptions, 'seed'> = {
  ...DEFAULT_OPTIONS,
  processes: 4,
  items: 150,
  runs: 40,
  durationMs: 30_000,
};
const CI_SEEDS = Array.from({ length: 30 }, (_, i) => String(i + 1));
const TWICE = CI_SEEDS.slice(0, 20);

describe('simulator', () => {
  const servers: RedisServer[] = [];
  const firstRun = new Map<string, SimResult>();

  beforeAll(async () => {
    servers.push(await startPrivateRedisServer(), await startPrivateRedisServer());
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  async function run(seed: string, server: RedisServer): Promise<SimResult> {
    const client = new Redis(server.url);
    await client.flushdb(); // a server this test started
    client.disconnect();
    return await runSimulation({ ...CI, seed }, server.url);
  }

  it.each(CI_SEEDS)(
    'seed %s: no invariant is violated, nothing is lost, all work drains',
    async (seed) => {
      const r = await run(seed, servers[0]!);
      firstRun.set(seed, r);
      const explain =
        r.violations.map((v) => `${v.invariant}: ${v.message}`).join('\n') +
        `\n${r.traceTail.join('\n')}`;
      expect(r.violations, explain).toEqual([]);
      expect(r.lost).toBe(0);
      expect(r.completed + r.failed).toBe(r.items);
      expect(r.items).toBeGreaterThan(CI.items);
      // every story's run (and its invoke child, listener, onFailure run) ended as predicted
      expect(r.runs!.byState.open).toBe(0);
      expect(r.runs!.byState.completed + r.runs!.byState.failed).toBeGreaterThan(CI.runs / 2);
    },
  );

  it.each(TWICE)('seed %s replays to the same trace hash on another Redis server', async (seed) => {
    const first = firstRun.get(seed) ?? (await run(seed, servers[0]!));
    const second = await run(seed, servers[1]!);
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.events).toBe(first.events);
    expect(second.virtualMs).toBe(first.virtualMs);
  });

  it("the workload's duplicate enqueues meet items queued, leased and finished", () => {
    const met = { queued: 0, leased: 0, finished: 0 };
    for (const r of firstRun.values())
      for (const k of ['queued', 'leased', 'finished'] as const) met[k] += r.enqueuesMet[k];
    expect(met.queued).toBeGreaterThan(0);
    expect(met.leased).toBeGreaterThan(0);
    expect(met.finished).toBeGreaterThan(0);
  });

  it('the executor scenario ends runs in every terminal state, under every SDK fault', () => {
    const ended = { completed: 0, failed: 0, cancelled: 0 };
    const faults: Record<string, number> = {};
    for (const r of firstRun.values()) {
      for (const k of ['completed', 'failed', 'cancelled'] as const) ended[k] += r.runs!.byState[k];
      for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
    }
    expect(ended.completed).toBeGreaterThan(0);
    expect(ended.failed).toBeGreaterThan(0);
    expect(ended.cancelled).toBeGreaterThan(0);
    for (const f of EXECUTOR_FAULTS) expect(faults[f] ?? 0, f).toBeGreaterThan(0);
  });

  it('different seeds give different histories', () => {
    const hashes = new Set([...firstRun.values()].map((r) => r.traceHash));
    expect(hashes.size).toBe(firstRun.size);
  });
});
