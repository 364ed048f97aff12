import type { Cluster, Redis } from 'ioredis';
import type { BenchContext, Workload } from '../harness/context.js';
import { formatResult, round2, type BenchResult } from '../harness/result.js';
import { openLocalCluster, type Target } from '../harness/target.js';
import { durqDrain } from './drain.js';

/**
 * Shard names whose hash tags land on masters round-robin, so that n shards use
 * min(n, masters) masters (a name's slot decides its master).
 */
async function spreadShardNames(client: Redis | Cluster, base: string, n: number) {
  const cluster = client as Cluster;
  const slots = (await cluster.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const masterOf = (slot: number) => {
    const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
    return `${range[2][0]}:${range[2][1]}`;
  };
  const masters = [...new Set(slots.map(([from]) => masterOf(from)))].sort();
  const names: string[] = [];
  for (let k = 0; names.length < n; k++) {
    if (k > 100_000) throw new Error(`no shard names found for masters ${masters.join(', ')}`);
    const name = `${base}x${k}`;
    const slot = (await cluster.cluster('KEYSLOT', `{${name}}`)) as number;
    if (masterOf(slot) === masters[names.length % masters.length]) names.push(name);
  }
  return names;
}

async function onCluster(ctx: BenchContext): Promise<{ target: Target; owned: boolean }> {
  if (ctx.target.kind === 'cluster') return { target: ctx.target, owned: false };
  ctx.log('  starting a local Redis Cluster of 3 masters for this workload');
  return { target: await openLocalCluster(3), owned: true };
}

export const clusterWorkload: Workload = {
  name: 'cluster',
  about:
    'the drain (100 functions, 10 accounts, concurrency 100) on a 3-master Redis Cluster with ' +
    'durq on 1, 2 and 4 shards, and BullMQ with one queue. On 2 cores this cannot show scaling: ' +
    'the busiest master µs per item projects it',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const { target, owned } = await onCluster(ctx);
    const items = ctx.quick ? 20_000 : 100_000;
    const base = { items, concurrency: 100, functions: 100, accounts: 10, functionLimit: 50 };
    const out: BenchResult[] = [];
    try {
      const client = target.client();
      for (const n of [1, 2, 4]) {
        const shards = await spreadShardNames(client, ctx.uniqueName('cl'), n);
        const r = await durqDrain(target, shards[0]!, { ...base, shards }, 'cluster');
        out.push(project(r));
        ctx.log(formatResult(r));
      }
      client.disconnect();
      const b = await (await ctx.bullmq()).drain(target, ctx.uniqueName('cl'), base, 'cluster');
      out.push(project(b));
      ctx.log(formatResult(b));
    } finally {
      if (owned) await target.stop();
    }
    return out;
  },
};

/** Redis-bound ceiling with a core per master: 1 / (busiest master's µs per item). */
function project(r: BenchResult): BenchResult {
  const busiest = Number(r.extra.busiestMasterUsPerItem ?? r.redisUsPerItem);
  r.extra.projectedRedisBoundPerSec = busiest > 0 ? Math.round(1e6 / busiest) : 0;
  r.extra.busiestMasterUsPerItem = round2(busiest);
  return r;
}
