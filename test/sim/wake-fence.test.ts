import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WakeFence } from '../../sim/wake-fence.js';
import { startPrivateRedisServer, type RedisServer } from '../../testkit/redis-server.js';

describe('WakeFence', () => {
  let server: RedisServer;
  let main: Redis;
  let subscriber: Redis;
  const channel = 'fence-test';

  beforeAll(async () => {
    server = await startPrivateRedisServer();
    main = new Redis(server.url);
    subscriber = new Redis(server.url);
    await subscriber.subscribe(channel);
  });
  afterAll(async () => {
    main.disconnect();
    subscriber.disconnect();
    await server.stop();
  });

  it('collects what was published before a marker, in order, and leaves the rest', async () => {
    const fence = new WakeFence(main, subscriber, channel);
    void main.publish(channel, '1');
    void main.publish(channel, '2');
    const first = fence.mark();
    void main.publish(channel, '3');
    const second = fence.mark();
    const messages = async (t: Parameters<typeof fence.collect>[0]) =>
      (await fence.collect(t)).map((m) => m.message);
    expect(await messages(first)).toEqual(['1', '2']);
    expect(await messages(second)).toEqual(['3']);
  });

  it('leaves out the markers of tickets never collected, and marks itself without a ticket', async () => {
    const fence = new WakeFence(main, subscriber, channel);
    void main.publish(channel, 'a');
    fence.mark(); // a call that failed: its ticket is dropped
    void main.publish(channel, 'b');
    expect(await fence.collect()).toEqual([
      { channel, message: 'a' },
      { channel, message: 'b' },
    ]);
  });
});
