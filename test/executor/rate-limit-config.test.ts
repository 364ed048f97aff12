import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidFunctionConfigError } from '../../src/executor/errors.js';
import { parseAppConfig } from '../../src/executor/function-config.js';
import { rateLimitOf } from '../../src/executor/rate-limit.js';
import { devClient, syncInBand, type InBandSync } from './sdk-sync.js';

/** rateLimit and idempotency as the real SDK syncs them (reference §11.3). */
const inngest = devClient('rl-app');
const fns = [
  inngest.createFunction(
    {
      id: 'both',
      rateLimit: { limit: 5, period: '1h', key: 'event.data.user' },
      idempotency: 'event.data.order',
      triggers: [{ event: 'rl/both' }],
    },
    async () => 'ok',
  ),
  inngest.createFunction(
    { id: 'day', rateLimit: { limit: 3, period: '24h' }, triggers: [{ event: 'rl/day' }] },
    async () => 'ok',
  ),
];
let sync: InBandSync;
beforeAll(async () => {
  sync = await syncInBand(inngest, fns);
});

function withPeriod(period: string): unknown {
  const body = structuredClone(sync.body) as { functions: { rateLimit: { period: string } }[] };
  (body.functions[1] as { rateLimit: { period: string } }).rateLimit.period = period;
  return body;
}

describe('rateLimit and idempotency at sync', () => {
  it('idempotency replaces rateLimit: limit 1 per 24 h on its key; 24h is accepted', () => {
    const app = parseAppConfig(sync.body, sync.url);
    const both = app.functions.find((f) => f.id === 'rl-app-both');
    expect(both && rateLimitOf(both)).toEqual({
      limit: 1,
      periodMs: 86_400_000,
      key: 'event.data.order',
      reason: 'idempotency',
    });
    const day = app.functions.find((f) => f.id === 'rl-app-day');
    expect(day && rateLimitOf(day)).toEqual({
      limit: 3,
      periodMs: 86_400_000,
      reason: 'rate-limit',
    });
  });

  it('a rateLimit.period over 24 h is refused, naming the function and the field', () => {
    let err: unknown;
    try {
      parseAppConfig(withPeriod('24h1s'), sync.url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidFunctionConfigError);
    const e = err as InvalidFunctionConfigError;
    expect(e.path).toBe('functions[1].rateLimit.period');
    expect(e.functionId).toBe('rl-app-day');
    expect(e.message).toContain('rl-app-day');
    expect(e.problem).toMatch(/at most 24h/);
    expect(() => parseAppConfig(withPeriod('2d'), sync.url)).toThrow(/at most 24h/);
  });
});
