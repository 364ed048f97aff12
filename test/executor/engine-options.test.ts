import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/core/errors.js';
import { createEngine, type EngineOptions } from '../../src/executor/engine.js';

/** Every engine option is checked before anything connects, and a bad one is named. */
describe('createEngine options', () => {
  const url = 'redis://127.0.0.1:1';
  it.each<[string, Partial<EngineOptions>]>([
    ['redis', { redis: 'localhost:6379' }],
    ['redis', { redis: {} as never }],
    ['signingKey', { redis: url, signingKey: '' }],
    ['signingKeyFallback', { redis: url, signingKeyFallback: 'signkey-test-ab' }],
    ['concurrency', { redis: url, concurrency: 0 }],
    ['retentionMs', { redis: url, retentionMs: -5 }],
    ['eventRetentionMs', { redis: url, eventRetentionMs: 1.5 }],
    ['maxEventBytes', { redis: url, maxEventBytes: 0 }],
    ['maxRequestBodyBytes', { redis: url, maxRequestBodyBytes: 1.5 }],
    ['backoffScale', { redis: url, backoffScale: 0 }],
    ['accountId', { redis: url, accountId: 'has space' }],
    ['shardName', { redis: url, shardName: '{x}' }],
  ])('a bad %s is refused by name', async (option, opts) => {
    const err = await createEngine(opts as EngineOptions).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe(option);
  });
});
