import { ProcessorClosingError } from './run/handler.js';
import { Continuations } from './scan/continuations.js';
import { LeaseExtender } from './run/extender.js';
import type { ProcessorOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import { RoleKeeper } from './role-keeper.js';
import { ShardScanner } from './scan/scanner.js';
import { Slots } from './run/slots.js';
import { newStats, type ProcessorStats } from './stats.js';
import type { RunningItem, WorkerEnv } from './run/worker.js';

export interface Processor {
  readonly stats: ProcessorStats;
  /** Items running now. */
  readonly running: number;
  /**
   * Graceful shutdown: stop scanning, let running handlers finish for up to `timeoutMs`
   * (default: the shutdownTimeoutMs option), then abort the rest and requeue their items
   * without consuming an attempt. Releases roles.
   */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Starts a processor: one scanner per shard feeding `concurrency` worker slots, plus the
 * scavenger role (and the sequential role, if asked). Any number of processes may run one
 * against the same Redis.
 */
export async function createProcessor(options: ProcessorOptions): Promise<Processor> {
  const opts = resolveOptions(options);
  const { clock, random } = opts.queue;
  const env: WorkerEnv = {
    opts,
    clock,
    random,
    slots: new Slots(opts.concurrency),
    continuations: new Continuations(
      opts.continuationLimit,
      opts.continuationCooldownMs,
      opts.continuationsMax,
    ),
    stats: newStats(),
    running: new Map(),
    settlingWithoutSlot: 0,
    closing: false,
  };
  const shards = opts.queue.shards.filter((s) => opts.shards.includes(s.name));
  const scanners = shards.map((shard) => new ShardScanner(env, shard));
  const roles: RoleKeeper[] = [];
  for (const scanner of scanners) {
    const { shard } = scanner;
    if (opts.scavengerEnabled) {
      const run = () => shard.scavenge();
      roles.push(
        new RoleKeeper(shard, 'scavenger', clock, opts.roleLeaseMs, opts.log, {
          intervalMs: opts.scavengeIntervalMs,
          run,
        }),
      );
    }
    if (opts.sequential) {
      const keeper = new RoleKeeper(shard, 'sequential', clock, opts.roleLeaseMs, opts.log);
      scanner.sequential = () => keeper.held;
      roles.push(keeper);
    }
  }
  const extender = new LeaseExtender(env);
  extender.start();
  for (const role of roles) role.start();
  try {
    for (const scanner of scanners) await scanner.start();
  } catch (err) {
    // Nothing may keep running (and keep the process alive) after a failed start.
    await Promise.all([
      extender.stop(),
      ...roles.map((r) => r.stop()),
      ...scanners.map((s) => s.stop()),
    ]);
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    stats: env.stats,
    get running() {
      return env.running.size;
    },
    close(timeoutMs = opts.shutdownTimeoutMs) {
      closing ??= shutdown(env, opts, scanners, roles, timeoutMs).finally(() => extender.stop());
      return closing;
    },
  };
}

async function shutdown(
  env: WorkerEnv,
  opts: ResolvedOptions,
  scanners: ShardScanner[],
  roles: RoleKeeper[],
  timeoutMs: number,
): Promise<void> {
  env.closing = true;
  await Promise.all(scanners.map((s) => s.stop()));
  const deadline = env.clock.now() + timeoutMs;
  while (env.running.size > 0 && env.clock.now() < deadline) {
    const stop = new AbortController();
    const timer = env.clock.sleep(deadline - env.clock.now(), stop.signal);
    await Promise.race([timer, env.slots.changed(stop.signal)]);
    stop.abort();
  }
  const unsettled = [...env.running.values()].filter((r) => !r.settling);
  await Promise.all(unsettled.map((r) => release(env, r)));
  // Settling items finish their ack or retry on their own (bounded by their lease).
  while ([...env.running.values()].some((r) => r.settling)) {
    await env.slots.changed(new AbortController().signal);
  }
  await Promise.all(scanners.map((s) => s.acker.drain()));
  await Promise.all(roles.map((r) => r.stop()));
  if (unsettled.length > 0) {
    opts.log(
      'warn',
      `closed with ${unsettled.length} handlers still running; their items were requeued`,
    );
  }
}

/** Hands a still-running item back to its ready set at once, without consuming an attempt. */
async function release(env: WorkerEnv, running: RunningItem): Promise<void> {
  running.released = true;
  running.abort.abort(new ProcessorClosingError());
  await running.extension; // a renewal in flight would make the requeue's lease stale
  const r = await running.shard
    .requeue(running.item, running.lease.id, { at: env.clock.now(), consumeAttempt: false })
    .catch((err: unknown) =>
      env.opts.log('warn', `could not requeue ${running.item.id} at shutdown`, {
        error: String(err),
      }),
    );
  if (r && !r.ok) env.stats.leaseLost++;
}
