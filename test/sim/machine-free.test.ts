import { closeSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, type SimOptions } from '../../sim/options.js';
import { runSimulation, type SimResult } from '../../sim/run.js';
import { startPrivateRedisServer, type RedisServer } from '../../testkit/redis-server.js';

/**
 * The trace is the history and nothing of the machine it ran on: not the checkout's directory
 * (which the SDK's error stacks would carry into answers, run state and events), not the
 * wall clock (which the SDK reads for `ts`, event ID seeds and its own timings). A small
 * executor scenario, every fault on: its planned step errors are what once leaked the path.
 */
const SMALL: Omit<SimOptions, 'seed'> = {
  ...DEFAULT_OPTIONS,
  processes: 3,
  items: 60,
  runs: 30,
  durationMs: 20_000,
};
const SEED = 'machine-free';
const YEAR_MS = 365 * 24 * 3600 * 1000;

describe('the simulator records the history, not the machine', () => {
  let server: RedisServer;
  let dir: string;
  let first: SimResult | undefined;

  beforeAll(async () => {
    server = await startPrivateRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'durq-machine-free-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(traceFd: number | null = null): Promise<SimResult> {
    const client = new Redis(server.url);
    await client.flushdb(); // a server this test started
    client.disconnect();
    return await runSimulation({ ...SMALL, seed: SEED }, server.url, undefined, traceFd);
  }

  /** Runs with the wall clock (Date) moved by `offsetMs`, as on another day and hour. */
  async function runAt(offsetMs: number): Promise<SimResult> {
    const RealDate = Date;
    class ShiftedDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(RealDate.now() + offsetMs);
        else super(...(args as [string | number]));
      }
      static override now(): number {
        return RealDate.now() + offsetMs;
      }
    }
    globalThis.Date = ShiftedDate as DateConstructor;
    try {
      return await run();
    } finally {
      globalThis.Date = RealDate;
    }
  }

  it('the trace names no path, Node internals or node_modules of this machine', async () => {
    const file = join(dir, 'trace.txt');
    const fd = openSync(file, 'w');
    try {
      first = await run(fd);
    } finally {
      closeSync(fd);
    }
    const trace = readFileSync(file, 'utf8');
    expect(first.violations).toEqual([]);
    // the scenario does send step errors (with their stacks) through the SDK
    expect(trace).toContain('planned error in');
    expect(trace).toContain('"stack"');
    for (const local of new Set([process.cwd(), realpathSync(process.cwd())]))
      expect(trace.includes(local), local).toBe(false);
    expect(trace).not.toContain('node_modules');
    expect(trace).not.toContain('node:internal');
  });

  it('the same seed gives the same trace hash under other wall clocks', async () => {
    const base = first ?? (await run());
    const earlier = await runAt(-3 * YEAR_MS - 7 * 3600_000 - 1234);
    const later = await runAt(5 * YEAR_MS + 13 * 3600_000 + 567);
    expect(earlier.traceHash).toBe(base.traceHash);
    expect(later.traceHash).toBe(base.traceHash);
    expect(later.events).toBe(base.events);
  });
});
