import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { connectRedis, Queue, QueueShard, seededRandom, ShardKeys } from '../src/internal.js';
import type { Violation } from './checks/auditor.js';
import { readShardState, shardViolations } from '../testkit/shard-state.js';
import type { SimOptions } from './options.js';
import { SimClock } from './sim-clock.js';
import { SimTransport } from './sim-transport.js';
import { generateWorkload } from './workload.js';
import { simShard, World } from './world.js';

export const START_MS = 1_700_000_000_000;

export interface Sample {
  t: number;
  depth: number;
  leases: number;
  leasesByFunction: Record<string, number>;
  dequeuedByAccount: Record<string, number>;
}

export interface SimResult {
  seed: string;
  traceHash: string;
  virtualMs: number;
  wallMs: number;
  items: number;
  completed: number;
  failed: number;
  lost: number;
  duplicates: number;
  violations: Violation[];
  faults: Record<string, number>;
  events: number;
  /** The trace lines that led to the first violation (empty when none). */
  traceTail: string[];
  samples: Sample[];
  limits: Record<string, number>;
}

/** One seeded run against the Redis at `url` (whose DB must hold nothing of ours). */
export async function runSimulation(
  opts: SimOptions,
  url: string,
  onProgress?: (fraction: number) => void,
  traceFd: number | null = null,
): Promise<SimResult> {
  const wallStart = performance.now();
  const real = await connectRedis(url);
  const raw = real.client as Redis;
  const subscriber = new Redis(url);
  const keys = new ShardKeys(simShard(opts.seed));
  await subscriber.subscribe(keys.wakeChannel());
  const workload = generateWorkload(seededRandom(`${opts.seed}/workload`), opts);
  const world = new World(opts, workload, real, subscriber, START_MS, traceFd);
  const { scheduler, auditor } = world;
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < opts.processes; i++)
      scheduler.schedule(START_MS, `p${i}`, () => void world.startProcess(`p${i}`));
    scheduleProducer(world);
    scheduleFaults(world);
    scheduleChecks(world, raw, keys, samples);
    const stop = () => auditor.violations.length > 0;
    const safetyEnd = START_MS + opts.durationMs;
    for (let step = 1; step <= 10 && !stop(); step++) {
      await scheduler.runUntil(START_MS + Math.round((opts.durationMs * step) / 10), stop);
      onProgress?.(step / 12);
    }
    if (!stop()) await heal(world);
    const done = () => stop() || (world.producerDone && auditor.pendingItems().length === 0);
    if (!stop()) await scheduler.runUntil(safetyEnd + opts.livenessMs, done);
    onProgress?.(1);
    if (!stop()) await finalChecks(world, raw, keys);
  } finally {
    subscriber.disconnect();
    await real.close();
  }
  const terminal = [...auditor.items.values()].map((i) => i.terminal);
  return {
    seed: opts.seed,
    traceHash: world.trace.digest(),
    virtualMs: scheduler.now - START_MS,
    wallMs: Math.round(performance.now() - wallStart),
    items: auditor.items.size,
    completed: terminal.filter((t) => t === 'completed').length,
    failed: terminal.filter((t) => t === 'failed').length,
    lost: world.lost,
    duplicates: auditor.duplicates,
    violations: auditor.violations,
    faults: world.faultCounts,
    events: scheduler.eventsRun,
    traceTail: auditor.violations.length ? world.trace.tail() : [],
    samples,
    limits: Object.fromEntries(
      workload.functions.map((f) => [`${f.accountId}/${f.functionId}`, f.concurrency]),
    ),
  };
}

/** Enqueues each planned item on arrival; failures are retried (enqueue is idempotent by ID). */
function scheduleProducer(world: World): void {
  const { scheduler, workload } = world;
  const clock = new SimClock(scheduler, 'producer', 0, () => true);
  const random = seededRandom(`${world.opts.seed}/producer`);
  const shard = new QueueShard({
    name: simShard(world.opts.seed),
    transport: new SimTransport(world, 'producer', 1),
    clock,
    random,
  });
  const queue = new Queue({ shards: [shard], clock, random });
  let remaining = workload.items.length;
  if (remaining === 0) world.producerDone = true;
  for (const planned of workload.items) {
    // Fire and forget: an event that awaited product work would wait on later events forever.
    scheduler.schedule(START_MS + planned.arrivalMs, 'producer', () => void produce(planned));
  }
  async function produce(planned: (typeof workload.items)[number]): Promise<void> {
    const input =
      planned.delayMs > 0 ? { ...planned.input, at: clock.now() + planned.delayMs } : planned.input;
    for (let tries = 0; ; tries++) {
      try {
        await queue.enqueue(input);
        break;
      } catch {
        await clock.sleep(10 * Math.min(tries + 1, 20));
      }
    }
    if (--remaining === 0) world.producerDone = true;
  }
}

/** Once per virtual second, each process may be cut off, crash, or pause (while faults are on). */
function scheduleFaults(world: World): void {
  const { scheduler, opts } = world;
  const random = seededRandom(`${opts.seed}/process-faults`);
  const tick = () => {
    if (!world.faultsOn) return;
    for (const p of world.processes.values()) {
      if (!p.alive) continue;
      const now = scheduler.now;
      if (random.int(1000) < opts.faults.partition) {
        p.cutOffUntil = now + 500 + random.int(2500);
        world.count('partition');
        world.trace.add(now, `${p.name} cut off until ${p.cutOffUntil - START_MS}`);
      }
      if (random.int(1000) < opts.faults.crash) {
        world.crash(p.name);
        scheduler.schedule(now + 200 + random.int(1800), '', () => {
          // heal() may have restarted it already: a second start would orphan the first.
          if (!world.processes.get(p.name)?.alive) void world.startProcess(p.name);
        });
        continue;
      }
      if (random.int(1000) < opts.faults.pause) {
        p.pausedUntil = now + opts.leaseMs + random.int(opts.leaseMs);
        world.count('pause');
        world.trace.add(now, `${p.name} paused until ${p.pausedUntil - START_MS}`);
      }
    }
    scheduler.schedule(scheduler.now + 1000, '', tick);
  };
  scheduler.schedule(START_MS + 1000, '', tick);
}

/** Every checkEveryMs: the whole shard against the structural invariants, plus a metrics sample. */
function scheduleChecks(world: World, raw: Redis, keys: ShardKeys, samples: Sample[]): void {
  const { scheduler, opts, auditor } = world;
  const check = async () => {
    const now = scheduler.now;
    const state = await readShardState(raw, keys);
    for (const v of shardViolations(state, keys, now, opts.maxSkewMs, deferralMsMax(world)))
      auditor.fail(invariantOf(v), v);
    auditor.prune(now);
    const leasesByFunction: Record<string, number> = {};
    for (const h of auditor.liveLeases()) {
      const pid = auditor.items.get(h.item)?.pid ?? '?';
      leasesByFunction[pid] = (leasesByFunction[pid] ?? 0) + 1;
    }
    samples.push({
      t: now - START_MS,
      depth: state.items.size,
      leases: auditor.liveLeases().length,
      leasesByFunction,
      dequeuedByAccount: Object.fromEntries(auditor.dequeuedPerAccount),
    });
    scheduler.schedule(now + opts.checkEveryMs, '', check);
  };
  scheduler.schedule(START_MS + opts.checkEveryMs, '', check);
}

function invariantOf(message: string): string {
  if (
    message.startsWith('single home') ||
    message.includes('homes') ||
    message.includes('dangling')
  )
    return 'single-home';
  if (
    message.includes('pointer') ||
    message.includes('unreachable') ||
    message.includes('collected')
  )
    return 'pointers';
  if (message.includes('counted')) return 'concurrency';
  return 'state';
}

/** Faults stop: pauses and cut-offs end, crashed processes restart. */
async function heal(world: World): Promise<void> {
  world.faultsOn = false;
  for (const p of world.processes.values()) {
    p.pausedUntil = 0;
    p.cutOffUntil = 0;
    world.scheduler.resume(p.name);
    if (!p.alive)
      world.scheduler.schedule(world.scheduler.now, '', () => void world.startProcess(p.name));
  }
  world.trace.add(world.scheduler.now, 'faults stop');
}

/** After the run: throttle windows, the shard's final state, loss and liveness. */
async function finalChecks(world: World, raw: Redis, keys: ShardKeys): Promise<void> {
  const { auditor, scheduler } = world;
  auditor.checkThrottles();
  const state = await readShardState(raw, keys);
  for (const v of shardViolations(
    state,
    keys,
    scheduler.now,
    world.opts.maxSkewMs,
    deferralMsMax(world),
  ))
    auditor.fail(invariantOf(v), v);
  const pending = auditor.pendingItems();
  world.lost = pending.filter((id) => !state.items.has(id)).length;
  if (world.lost > 0) {
    const id = pending.find((x) => !state.items.has(x));
    auditor.fail(
      'no-loss',
      `${world.lost} items vanished without completing or failing, e.g. ${id}`,
    );
  }
  if (pending.length > 0 && world.lost === 0) {
    const id = pending[0]!;
    const item = state.items.get(id);
    const pid = item?.partitionId ?? '?';
    const meta = JSON.stringify(state.partitions.get(pid) ?? null);
    const pointer = state.global.get(pid);
    const procs = [...world.processes.values()]
      .map((p) => `${p.name}:${p.alive ? 'up' : 'down'}/running ${p.processor?.running ?? '-'}`)
      .join(' ');
    const where =
      (state.leases.has(id) ? `leased (lease ${state.leases.get(id)})` : 'ready') +
      `; partition ${pid} ${meta}, pointer ${pointer === undefined ? 'none' : pointer - scheduler.now} ms from now; ${procs}` +
      `; live in-progress: ${[...state.inProgress]
        .map(([k, m]) => `${k.slice(9)}=${[...m.values()].filter((e) => e > scheduler.now).length}`)
        .filter((x) => !x.endsWith('=0'))
        .join(' ')}` +
      `; pending by partition: ${pendingByPartition(state, pending)}` +
      `; item ${JSON.stringify(item)}`;
    auditor.fail(
      'liveness',
      `${pending.length} items not finished ${world.opts.livenessMs} ms after faults stopped; first: ${id}, ${where}`,
    );
  }
}

function pendingByPartition(
  state: { items: Map<string, { partitionId: string }> },
  pending: string[],
): string {
  const counts = new Map<string, number>();
  for (const id of pending) {
    const pid = state.items.get(id)?.partitionId ?? '?';
    counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([p, n]) => `${p}=${n}`)
    .join(' ');
}

/**
 * The longest the simulated processors may hide a partition: a partition lease (4 s), a forced
 * requeue after a limit (500 ms), or a throttle's retry time (at most one throttle period).
 */
function deferralMsMax(world: World): number {
  const periods = world.workload.functions.map((f) => f.throttle?.periodMs ?? 0);
  return Math.max(4000, 500, ...periods) + 1000;
}
