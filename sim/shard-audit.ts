import type { ShardKeys } from '../src/internal.js';
import { shardViolations, type ShardState } from '../testkit/shard-state.js';
import type { World } from './world.js';

/** Holds the shard's state at `now` to the structural invariants; each breach fails the run. */
export function auditShardState(
  world: World,
  state: ShardState,
  keys: ShardKeys,
  now: number,
): void {
  for (const v of shardViolations(state, keys, now, world.opts.maxSkewMs, deferralMsMax(world)))
    world.auditor.fail(invariantOf(v), v);
}

/** The invariant a shard-state violation message breaks. */
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

/**
 * The longest the simulated processors may hide a partition: a partition lease (4 s), a forced
 * requeue after a limit (500 ms), or a throttle's retry time (at most one throttle period).
 */
function deferralMsMax(world: World): number {
  const periods = world.workload.functions.map((f) => f.throttle?.periodMs ?? 0);
  return Math.max(4000, 500, ...periods) + 1000;
}
