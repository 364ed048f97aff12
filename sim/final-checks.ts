import type { Redis } from 'ioredis';
import type { ShardKeys } from '../src/internal.js';
import { readShardState } from '../testkit/shard-state.js';
import { whereStuck } from './liveness-diagnosis.js';
import { auditShardState } from './shard-audit.js';
import type { World } from './world.js';

/** After the run: throttle windows, the shard's final state, loss and liveness. */
export async function finalChecks(world: World, raw: Redis, keys: ShardKeys): Promise<void> {
  const { auditor, scheduler } = world;
  auditor.checkThrottles();
  const state = await readShardState(raw, keys);
  auditShardState(world, state, keys, scheduler.now);
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
    const where = whereStuck(world, state, pending);
    auditor.fail(
      'liveness',
      `${pending.length} items not finished ${world.opts.livenessMs} ms after faults stopped; first: ${id}, ${where}`,
    );
  }
}
