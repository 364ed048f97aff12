import { describe, expect, it } from 'vitest';
import {
  cronIdempotencyKey,
  cronJitterMs,
  cronProblem,
  cronTickJobId,
  nextCronTick,
  rfc3339,
} from '../../src/executor/cron-schedule.js';
import { InvalidFunctionConfigError } from '../../src/executor/errors.js';
import { parseAppConfig } from '../../src/executor/function-config.js';

const utc = (s: string) => Date.parse(s);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('nextCronTick: the first tick strictly after a time', () => {
  it('every minute: the next whole minute, never the time itself', () => {
    expect(iso(nextCronTick('* * * * *', utc('2024-01-01T00:00:00Z')))).toBe(
      '2024-01-01T00:01:00.000Z',
    );
    expect(iso(nextCronTick('* * * * *', utc('2024-01-01T00:00:59.999Z')))).toBe(
      '2024-01-01T00:01:00.000Z',
    );
    expect(iso(nextCronTick('*/15 * * * *', utc('2024-01-01T00:15:00Z')))).toBe(
      '2024-01-01T00:30:00.000Z',
    );
  });

  it('TZ= and CRON_TZ= read the fields in that zone: 09:00 Paris is 08:00 UTC in winter, 07:00 in summer', () => {
    const paris = 'TZ=Europe/Paris 0 9 * * *';
    expect(iso(nextCronTick(paris, utc('2024-01-15T12:00:00Z')))).toBe('2024-01-16T08:00:00.000Z');
    expect(iso(nextCronTick(paris, utc('2024-07-15T12:00:00Z')))).toBe('2024-07-16T07:00:00.000Z');
    const ny = 'CRON_TZ=America/New_York 30 8 * * 1-5';
    // Friday 2024-03-08 after 08:30 New York → Monday 2024-03-11 08:30 EDT (DST began on the 10th).
    expect(iso(nextCronTick(ny, utc('2024-03-08T14:00:00Z')))).toBe('2024-03-11T12:30:00.000Z');
    // Without a prefix: UTC.
    expect(iso(nextCronTick('0 9 * * *', utc('2024-07-15T12:00:00Z')))).toBe(
      '2024-07-16T09:00:00.000Z',
    );
  });

  it('descriptors', () => {
    expect(iso(nextCronTick('@hourly', utc('2024-01-01T10:20:00Z')))).toBe(
      '2024-01-01T11:00:00.000Z',
    );
    expect(iso(nextCronTick('@daily', utc('2024-01-01T10:20:00Z')))).toBe(
      '2024-01-02T00:00:00.000Z',
    );
  });
});

describe('cronProblem', () => {
  it('accepts 5 fields, descriptors and known zones', () => {
    for (const ok of ['* * * * *', '0 9 * * MON-FRI', '@weekly', 'TZ=Asia/Tokyo */5 * * * *'])
      expect(cronProblem(ok)).toBeUndefined();
  });

  it('refuses seconds, words, out-of-range fields, unknown zones and schedules that never fire', () => {
    expect(cronProblem('*/5 * * * * *')).toMatch(/5 fields/);
    expect(cronProblem('every minute')).toMatch(/cron schedule/);
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('TZ=Mars/Olympus 0 9 * * *')).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(cronProblem('TZ=Europe/Paris')).toMatch(/cron schedule/);
    expect(cronProblem('0 0 31 2 *')).toMatch(/never fires/);
  });
});

describe('tick identities', () => {
  it('job ID and idempotency key depend on function, schedule and tick', () => {
    const t = utc('2024-01-01T00:01:00Z');
    const id = cronTickJobId('app-fn', '* * * * *', t);
    expect(id).toBe(`{${t}}:{* * * * *}:{app-fn}:cron:schedule`);
    const key = cronIdempotencyKey('app-fn', '* * * * *', t);
    expect(cronIdempotencyKey('app-fn', '* * * * *', t)).toBe(key);
    expect(cronIdempotencyKey('app-fn', '* * * * *', t + 60_000)).not.toBe(key);
    expect(cronIdempotencyKey('app-fn', '*/2 * * * *', t)).not.toBe(key);
    expect(cronIdempotencyKey('app-other', '* * * * *', t)).not.toBe(key);
  });

  it('jitter: whole seconds in [1 s, jitter), the same for one job ID, spread over many', () => {
    expect(cronJitterMs('x', undefined)).toBe(0);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const id = cronTickJobId('app-fn', '* * * * *', i * 60_000);
      const j = cronJitterMs(id, '30s');
      expect(j).toBe(cronJitterMs(id, '30s'));
      expect(j % 1000).toBe(0);
      expect(j).toBeGreaterThanOrEqual(1000);
      expect(j).toBeLessThan(30_000);
      seen.add(j);
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(cronJitterMs('x', '1s')).toBe(1000);
  });

  it('rfc3339 writes whole seconds without a fraction, as Go does', () => {
    expect(rfc3339(utc('2024-01-01T00:01:00Z'))).toBe('2024-01-01T00:01:00Z');
    expect(rfc3339(utc('2024-01-01T00:01:00.250Z'))).toBe('2024-01-01T00:01:00.250Z');
  });
});

describe('a cron trigger is checked at sync, naming the function and the field', () => {
  const app = (trigger: Record<string, unknown>) => ({
    app_id: 'crons',
    functions: [
      {
        id: 'crons-ok',
        name: 'ok',
        triggers: [{ event: 'x/y' }],
        steps: { step: { id: 'step', name: 'step', runtime: { type: 'http', url: URL } } },
      },
      {
        id: 'crons-tick',
        name: 'tick',
        triggers: [{ event: 'x/z' }, trigger],
        steps: { step: { id: 'step', name: 'step', runtime: { type: 'http', url: URL } } },
      },
    ],
  });
  const URL = 'http://crons.test/api/inngest';
  const refusal = (trigger: Record<string, unknown>) => {
    try {
      parseAppConfig(app(trigger), URL);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidFunctionConfigError);
      return err as InvalidFunctionConfigError;
    }
    throw new Error('the config was accepted');
  };

  it('a good one is accepted as sent', () => {
    const parsed = parseAppConfig(app({ cron: 'TZ=Europe/Paris 0 9 * * *', jitter: '30s' }), URL);
    expect(parsed.functions[1]?.triggers[1]).toEqual({
      cron: 'TZ=Europe/Paris 0 9 * * *',
      jitter: '30s',
    });
  });

  it('a bad expression', () => {
    const err = refusal({ cron: '0 25 * * *' });
    expect(err.functionId).toBe('crons-tick');
    expect(err.path).toBe('functions[1].triggers[1].cron');
    expect(err.message).toMatch(/crons-tick.*triggers\[1\]\.cron.*hour/);
  });

  it('an unknown zone', () => {
    const err = refusal({ cron: 'TZ=Europe/Atlantis 0 9 * * *' });
    expect(err.functionId).toBe('crons-tick');
    expect(err.path).toBe('functions[1].triggers[1].cron');
    expect(err.problem).toMatch(/unknown time zone "Europe\/Atlantis"/);
  });

  it('a jitter outside 1s..5m', () => {
    const err = refusal({ cron: '* * * * *', jitter: '10m' });
    expect(err.path).toBe('functions[1].triggers[1].jitter');
    expect(err.problem).toMatch(/between 1s and 5m/);
  });
});
