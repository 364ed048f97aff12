import type { BenchContext, Workload } from '../harness/context.js';
import { round2, type BenchResult } from '../harness/result.js';
import { runMicro, type MicroResult } from '../micro/micro.js';

/** A micro row in the bench's result schema: one call is one "item". */
function asResult(m: MicroResult): BenchResult {
  return {
    workload: 'micro',
    system: 'durq',
    setting: `${m.script}, ${m.setting}: ${m.detail}`,
    items: m.calls,
    itemsPerSec: Math.round(m.opsPerSec),
    redisUsPerItem: round2(m.redisUsPerCall),
    scriptUsPerItem: round2(m.redisUsPerCall),
    roundTripsPerItem: 1,
    p50Ms: null,
    p99Ms: round2(m.p99Us / 1000),
    p999Ms: null,
    duplicates: 0,
    lost: 0,
    wallMs: 0,
    extra: { wallUsPerCall: round2(m.usPerCall) },
  };
}

export const microWorkload: Workload = {
  name: 'micro',
  about:
    'tinybench: client µs per call (one EVALSHA round trip) and Redis server µs per call of ' +
    'every Lua script, on a shard with one partition and on one with 10,000 (durq only)',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const url = ctx.target.address.url;
    if (!url) {
      ctx.log('  not run on a cluster target: the micro-benchmarks need one server');
      return [];
    }
    const rows = await runMicro(url, { quick: ctx.quick, log: (s) => ctx.log(`  ${s}`) });
    for (const m of rows)
      ctx.log(
        `  ${m.script.padEnd(18)} ${m.setting.padEnd(15)} ${m.usPerCall.toFixed(1).padStart(7)} µs/call ` +
          `(p99 ${m.p99Us.toFixed(1)})  redis ${m.redisUsPerCall.toFixed(1)} µs/call  ${m.detail}`,
      );
    return rows.map(asResult);
  },
};
