import { execFile, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, spawnRedis, stopProcess } from './redis-server.js';

const run = promisify(execFile);

export interface RedisCluster {
  readonly nodes: { host: string; port: number }[];
  /** The masters' process IDs (for pinning them to cores). */
  readonly pids: number[];
  stop(): Promise<void>;
}

/** A local Redis Cluster of `masters` masters (no replicas) on free ports; stop() tears it down. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const procs: { proc: ChildProcess; dir: string }[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    for (const p of procs) {
      await stopProcess(p.proc);
      rmSync(p.dir, { recursive: true, force: true });
    }
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort(true);
      ports.push(port);
      procs.push(
        await spawnRedis(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '5000',
        ]),
      );
    }
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForClusterOk(ports);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    pids: procs.map((p) => p.proc.pid ?? 0),
    stop,
  };
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    let ok = true;
    for (const port of ports) {
      const client = new Redis({ port, host: '127.0.0.1' });
      try {
        const info = await client.cluster('INFO');
        if (!String(info).includes('cluster_state:ok')) ok = false;
      } finally {
        client.disconnect();
      }
    }
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('cluster did not reach cluster_state:ok');
}
