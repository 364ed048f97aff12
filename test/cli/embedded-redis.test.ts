import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/cli/embedded-redis.js';
import { SystemClock } from '../../src/core/clock.js';
import { connectRedis } from '../../src/redis/ioredis-transport.js';
import { startPrivateRedisServer } from '../../testkit/redis-server.js';

const clock = new SystemClock();

async function withClient<T>(url: string, use: (c: Redis) => Promise<T>): Promise<T> {
  const t = await connectRedis(url);
  try {
    return await use(t.client as Redis);
  } finally {
    await t.close();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the embedded redis-server of durq serve', () => {
  it('keeps what was written across a stop and a start on the same data dir (append-only)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'durq-embedded-'));
    const first = await startEmbeddedRedis({ dataDir, clock });
    await withClient(first.url, (c) => c.set('kept', 'yes'));
    await first.stop();
    expect(alive(first.pid)).toBe(false);
    const second = await startEmbeddedRedis({ dataDir, clock });
    try {
      expect(await withClient(second.url, (c) => c.get('kept'))).toBe('yes');
      expect(await withClient(second.url, (c) => c.config('GET', 'appendonly'))).toEqual([
        'appendonly',
        'yes',
      ]);
    } finally {
      await second.stop();
    }
  }, 30_000);

  it('stops a redis-server a killed durq left on the data dir, and keeps its writes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'durq-embedded-'));
    const orphan: EmbeddedRedis = await startEmbeddedRedis({ dataDir, clock });
    // Written just before "durq died": within the fsync second, saved by the orphan's clean stop.
    await withClient(orphan.url, (c) => c.set('last-write', '1'));
    const next = await startEmbeddedRedis({ dataDir, clock });
    try {
      expect(alive(orphan.pid)).toBe(false);
      expect(next.pid).not.toBe(orphan.pid);
      expect(await withClient(next.url, (c) => c.get('last-write'))).toBe('1');
    } finally {
      await next.stop();
    }
  }, 30_000);

  it('leaves alone a redis-server the pid file names when it is not on the port durq recorded', async () => {
    const other = await startPrivateRedisServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'durq-embedded-'));
    try {
      const info = await withClient(other.url, (c) => c.info('server'));
      const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
      // As after a reboot: the old pid now belongs to someone else's Redis on another port.
      writeFileSync(join(dataDir, 'redis.pid'), `${pid}\n`);
      writeFileSync(join(dataDir, 'redis.port'), `${other.port + 1}\n`);
      const ours = await startEmbeddedRedis({ dataDir, clock });
      await ours.stop();
      expect(alive(pid), 'the other Redis was stopped').toBe(true);
    } finally {
      await other.stop();
    }
  }, 30_000);

  it('says how to install Redis when redis-server is not found', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'durq-embedded-'));
    await expect(
      startEmbeddedRedis({ dataDir, clock, binary: 'redis-server-that-does-not-exist' }),
    ).rejects.toThrow(/apt-get install redis-server.*--redis/s);
  });
});
