/**
 * Micro-benchmarks: µs per call of each Lua script, on a shard holding one partition and on one
 * holding 10,000, against a private redis-server.
 * Usage: npx tsx bench/micro/main.ts [--quick] [--json]
 */
import { parseArgs } from 'node:util';
import { openTarget } from '../harness/target.js';
import { runMicro } from './micro.js';
import { formatTable } from './table.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, json: { type: 'boolean' } },
});
const progress = (s: string) => process.stderr.write(s + '\n');
const out = (s: string) => (values.json ? process.stderr : process.stdout).write(s + '\n');

const target = await openTarget({});
try {
  progress(`micro: redis ${target.redisVersion} at ${target.address.url}, ${target.pinning}`);
  const results = await runMicro(target.address.url!, {
    quick: values.quick ?? false,
    log: progress,
  });
  out('');
  out(
    'wall = client round trip of the one EVALSHA (send to parsed reply), mean and p99;' +
      ' redis = server time in it (INFO commandstats); ops/s = 1e6 / wall mean, one connection',
  );
  out(formatTable(results));
  if (values.json) process.stdout.write(JSON.stringify({ results }) + '\n');
} finally {
  await target.stop();
}
