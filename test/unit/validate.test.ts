import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { InvalidOptionError } from '../../src/core/errors.js';
import { InvalidItemError } from '../../src/queue/errors.js';
import type { EnqueueInput } from '../../src/queue/item.js';
import { Queue } from '../../src/queue/queue.js';
import { QueueShard } from '../../src/queue/shard.js';
import { seededRandom } from '../../src/core/random.js';
import type { RedisTransport } from '../../src/redis/transport.js';

/** Validation happens before any Redis call, so a transport that refuses every call proves it. */
const unreachable: RedisTransport = {
  runScript: () => Promise.reject(new Error('validation should have refused first')),
  hget: () => Promise.reject(new Error('unexpected')),
  subscribe: () => Promise.reject(new Error('unexpected')),
  close: () => Promise.resolve(),
};
const clock = new ManualClock();
const shard = new QueueShard({ name: 'v', transport: unreachable, clock, random: seededRandom(1) });
const queue = new Queue({ shards: [shard], clock, random: seededRandom(1), maxPayloadBytes: 100 });
const ok: EnqueueInput = { kind: 'edge', accountId: 'a1', functionId: 'f1' };

async function fieldOf(input: unknown): Promise<string> {
  try {
    await queue.enqueue(input as EnqueueInput);
  } catch (err) {
    if (err instanceof InvalidItemError) return err.field;
    throw err;
  }
  throw new Error('accepted');
}

describe('enqueue input validation names the bad field', () => {
  it.each([
    ['item', null],
    ['kind', { ...ok, kind: 'teleport' }],
    ['accountId', { kind: 'edge', functionId: 'f1' }],
    ['functionId', { kind: 'edge', accountId: 'a1' }],
    ['accountId', { ...ok, accountId: 'has space' }],
    ['functionId', { ...ok, functionId: 'a:b' }],
    ['functionId', { ...ok, functionId: '{tag}' }],
    ['queueName', { kind: 'cron', queueName: '' }],
    ['id', { ...ok, id: '' }],
    ['id', { ...ok, id: 'x'.repeat(513) }],
    ['runId', { ...ok, runId: 'nope' }],
    ['at', { ...ok, at: 1.5 }],
    ['at', { ...ok, at: -1 }],
    ['at', { ...ok, at: '5' }],
    ['priorityFactorS', { ...ok, priorityFactorS: 43_201 }],
    ['maxAttempts', { ...ok, maxAttempts: 0 }],
    ['idempotencyTtlMs', { ...ok, idempotencyTtlMs: -5 }],
    ['payload', { ...ok, payload: 'x'.repeat(200) }],
    ['payload', { ...ok, payload: 10n }],
    ['customKeys', { ...ok, customKeys: [1, 2, 3] }],
    ['customKeys[0].limit', { ...ok, customKeys: [{ scope: 'fn', key: 'k', limit: 0 }] }],
    ['customKeys[0].scope', { ...ok, customKeys: [{ scope: 'galaxy', key: 'k', limit: 1 }] }],
    ['customKeys[0].key', { ...ok, customKeys: [{ scope: 'fn', key: 5, limit: 1 }] }],
    ['envId', { ...ok, customKeys: [{ scope: 'env', key: 'k', limit: 1 }] }],
    ['throttle', { ...ok, throttle: { limit: 1, periodMs: 1000 } }],
    ['throttle.limit', { ...ok, kind: 'start', throttle: { limit: 0, periodMs: 1000 } }],
    ['throttle.burst', { ...ok, kind: 'start', throttle: { limit: 1, burst: -1, periodMs: 1000 } }],
    ['throttle.periodMs', { ...ok, kind: 'start', throttle: { limit: 1, periodMs: 0 } }],
  ])('%s (case %#)', async (field, input) => {
    expect(await fieldOf(input)).toBe(field);
  });

  it('messages say what is wrong', async () => {
    await expect(queue.enqueue({ ...ok, payload: 'x'.repeat(200) })).rejects.toThrow(
      /payload is 202 bytes, over the limit of 100/,
    );
    await expect(queue.enqueue({ ...ok, kind: 'nope' as never })).rejects.toThrow(
      /kind is unknown: "nope"/,
    );
  });

  it('accepts a system item without account or function', () => {
    expect(queue.buildItem({ kind: 'cron', queueName: 'cron' }).partitionId).toBe('sys:cron');
  });
});

describe('options validation', () => {
  it('names the option', () => {
    expect(() => new Queue({ shards: [], clock, random: seededRandom(1) })).toThrow(
      InvalidOptionError,
    );
    expect(() => new Queue({ shards: [shard, shard], clock, random: seededRandom(1) })).toThrow(
      /distinct/,
    );
    expect(
      () => new QueueShard({ name: 'a:b', transport: unreachable, clock, random: seededRandom(1) }),
    ).toThrow(/shard name/);
    expect(
      () =>
        new QueueShard({
          name: 'v',
          transport: unreachable,
          clock,
          random: seededRandom(1),
          graceMs: -1,
        }),
    ).toThrow(/graceMs/);
  });
});
