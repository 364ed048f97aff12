import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { Cluster, Redis } from 'ioredis';
import { connectCluster, connectRedis, type IoredisTransport } from '../../src/index.js';
import { startRedisCluster } from '../../testkit/redis-cluster.js';
import { freePort, spawnRedis, stopProcess } from '../../testkit/redis-server.js';
import { snapshot, type ServerSnapshot } from './server-stats.js';

/** Where a benchmark runs: one Redis server or a Redis Cluster, private or given. */
export interface Target {
  /** e.g. "private redis-server", "local cluster of 3 masters", "redis://host:6379". */
  readonly describe: string;
  readonly kind: 'server' | 'cluster';
  readonly masters: number;
  /** Which cores Redis and the driver run on, when taskset could pin them. */
  readonly pinning: string;
  readonly redisVersion: string;
  /** True when the bench started the server(s): only then may it assume nobody else loads them. */
  readonly owned: boolean;
  /** How another process reaches the target (bench child processes). */
  readonly address: TargetAddress;
  /** A new durq transport (standalone or cluster). */
  connect(): Promise<IoredisTransport>;
  /** A new plain ioredis client or cluster (BullMQ's `connection`; counting keys). */
  client(): Redis | Cluster;
  /** INFO of every master, in a fixed order. */
  snapshot(): Promise<ServerSnapshot[]>;
  /** UNLINKs keys matching `pattern` on every master: only the bench's own key prefixes. */
  removeKeys(pattern: string): Promise<number>;
  stop(): Promise<void>;
}

export interface TargetAddress {
  url?: string;
  nodes?: { host: string; port: number }[];
}

/** Connects a durq transport to an address (in a child process, say). */
export function connectAddress(a: TargetAddress): Promise<IoredisTransport> {
  return a.nodes ? connectCluster(a.nodes) : connectRedis(a.url!);
}

/** A plain ioredis client or cluster for an address. */
export function clientFor(a: TargetAddress): Redis | Cluster {
  if (a.nodes) return new Cluster(a.nodes, { redisOptions: { maxRetriesPerRequest: null } });
  return new Redis(a.url!, { maxRetriesPerRequest: null });
}

export interface TargetSpec {
  /** `redis://host:port[/db]`: a given server. */
  redis?: string;
  /** `local:N` (start an N-master cluster) or `host:port,…` (an existing cluster's seeds). */
  cluster?: string;
}

export async function openTarget(spec: TargetSpec): Promise<Target> {
  if (spec.redis !== undefined && spec.cluster !== undefined)
    throw new Error('--redis and --cluster are exclusive: give one target');
  if (spec.cluster !== undefined) return await openCluster(spec.cluster);
  if (spec.redis !== undefined)
    return await serverTarget(spec.redis, spec.redis, 'unpinned', false);
  const port = await freePort();
  const { proc, dir } = await spawnRedis(port);
  const pinning = pinProcesses([proc.pid ?? 0]);
  const target = await serverTarget(`redis://127.0.0.1:${port}`, 'private redis-server', pinning);
  return {
    ...target,
    stop: async () => {
      await target.stop();
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A local cluster of `masters` masters, started and torn down by the bench. */
export async function openLocalCluster(masters: number): Promise<Target> {
  const cluster = await startRedisCluster(masters);
  const pinning = pinProcesses(cluster.pids);
  const target = await clusterTarget(
    cluster.nodes,
    `local cluster of ${masters} masters`,
    pinning,
    true,
  );
  return {
    ...target,
    stop: async () => {
      await target.stop();
      await cluster.stop();
    },
  };
}

async function openCluster(spec: string): Promise<Target> {
  const local = /^local:(\d+)$/.exec(spec);
  if (local) {
    const n = Number(local[1]);
    if (n < 3)
      throw new Error(`--cluster local:N needs N >= 3 (Redis Cluster's minimum), got ${n}`);
    return await openLocalCluster(n);
  }
  const nodes = spec.split(',').map((hp) => {
    const m = /^([^:\s]+):(\d+)$/.exec(hp.trim());
    if (!m) throw new Error(`--cluster takes local:N or host:port,…; "${hp}" is not host:port`);
    return { host: m[1]!, port: Number(m[2]) };
  });
  return await clusterTarget(nodes, `cluster ${spec}`, 'unpinned', false);
}

/**
 * Pins the given Redis processes (all their threads) to core 0 and this driver to core 1, when
 * taskset exists and there are two or more cores; children spawned later inherit core 1.
 */
function pinProcesses(pids: number[]): string {
  if (cpus().length < 2 || pids.some((p) => p === 0)) return 'unpinned';
  try {
    for (const pid of pids)
      execFileSync('taskset', ['-acp', '0', String(pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-acp', '1', String(process.pid)], { stdio: 'ignore' });
    return 'redis on core 0, driver on core 1';
  } catch {
    return 'unpinned (taskset failed)';
  }
}

async function versionOf(client: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
}

async function serverTarget(
  url: string,
  describe: string,
  pinning: string,
  owned = true,
): Promise<Target> {
  const admin = new Redis(url);
  return {
    describe,
    kind: 'server',
    masters: 1,
    pinning,
    owned,
    address: { url },
    redisVersion: await versionOf(admin),
    connect: () => connectRedis(url),
    client: () => clientFor({ url }),
    snapshot: async () => [await snapshot(admin)],
    removeKeys: (pattern) => removeKeysOn(admin, pattern),
    stop: async () => void admin.disconnect(),
  };
}

async function clusterTarget(
  nodes: { host: string; port: number }[],
  describe: string,
  pinning: string,
  owned: boolean,
): Promise<Target> {
  const seed = new Cluster(nodes);
  await seed.ping();
  const admins = seed.nodes('master').map((n) => new Redis(n.options.port ?? 0, n.options.host!));
  seed.disconnect();
  admins.sort((a, b) => (a.options.port ?? 0) - (b.options.port ?? 0));
  return {
    describe,
    kind: 'cluster',
    masters: admins.length,
    pinning,
    owned,
    address: { nodes },
    redisVersion: await versionOf(admins[0]!),
    connect: () => connectCluster(nodes),
    client: () => clientFor({ nodes }),
    snapshot: () => Promise.all(admins.map((a) => snapshot(a))),
    removeKeys: async (pattern) => {
      let n = 0;
      for (const a of admins) n += await removeKeysOn(a, pattern);
      return n;
    },
    stop: async () => admins.forEach((a) => a.disconnect()),
  };
}

async function removeKeysOn(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await client.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}
