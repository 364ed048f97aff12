import { afterAll, beforeAll } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../testkit/redis-cluster.js';
import { serveSuite } from './serve-suite.js';

/**
 * Issue 13: `durq serve --cluster host:port,…` on a local 3-master Redis Cluster, the same suite
 * as in dev mode (every script of a run's shard runs on the master owning its hash tag's slot).
 */
let cluster: RedisCluster | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

serveSuite({
  name: 'Redis Cluster',
  sync: 'sdk-url',
  serverArgs: () => {
    if (!cluster) throw new Error('the cluster did not start');
    return ['--cluster', cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')];
  },
});
