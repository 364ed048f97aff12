import type { Redis } from 'ioredis';
import type { ShardKeys } from '../src/internal.js';
import { readShardState } from '../testkit/shard-state.js';
import { takeSample, type Sample } from './samples.js';
import { auditShardState } from './shard-audit.js';
import { START_MS } from './start-time.js';
import type { World } from './world.js';

/** Every checkEveryMs: the whole shard against the structural invariants, plus a metrics sample. */
export function scheduleStateChecks(
  world: World,
  raw: Redis,
  keys: ShardKeys,
  samples: Sample[],
): void {
  const { scheduler, opts, auditor } = world;
  const check = async () => {
    const now = scheduler.now;
    const state = await readShardState(raw, keys);
    auditShardState(world, state, keys, now);
    auditor.prune(now);
    samples.push(takeSample(auditor, state.items.size, now, world.exec?.auditor.counts));
    scheduler.schedule(now + opts.checkEveryMs, '', check);
  };
  scheduler.schedule(START_MS + opts.checkEveryMs, '', check);
}
