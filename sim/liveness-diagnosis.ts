import type { ShardState } from '../testkit/shard-state.js';
import type { World } from './world.js';

/**
 * Why the first of the `pending` items (all still in the shard) has not finished: its lease or
 * readiness, its partition and pointer, the processes, live in-progress counts, pending items per
 * partition, and the item itself.
 */
export function whereStuck(world: World, state: ShardState, pending: string[]): string {
  const { scheduler } = world;
  const id = pending[0]!;
  const item = state.items.get(id);
  const pid = item?.partitionId ?? '?';
  const meta = JSON.stringify(state.partitions.get(pid) ?? null);
  const pointer = state.global.get(pid);
  const procs = [...world.processes.values()]
    .map((p) => `${p.name}:${p.alive ? 'up' : 'down'}/running ${p.processor?.running ?? '-'}`)
    .join(' ');
  return (
    (state.leases.has(id) ? `leased (lease ${state.leases.get(id)})` : 'ready') +
    `; partition ${pid} ${meta}, pointer ${pointer === undefined ? 'none' : pointer - scheduler.now} ms from now; ${procs}` +
    `; live in-progress: ${[...state.inProgress]
      .map(([k, m]) => `${k.slice(9)}=${[...m.values()].filter((e) => e > scheduler.now).length}`)
      .filter((x) => !x.endsWith('=0'))
      .join(' ')}` +
    `; pending by partition: ${pendingByPartition(state, pending)}` +
    `; item ${JSON.stringify(item)}`
  );
}

/** Pending items counted per partition, most first: `p1=3 p2=1`. */
function pendingByPartition(state: ShardState, pending: string[]): string {
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
