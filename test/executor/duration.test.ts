import { describe, expect, it } from 'vitest';
import {
  MAX_SLEEP_MS,
  parseDurationMs,
  parseIsoDateMs,
  parseSleepTarget,
} from '../../src/executor/duration.js';
import { devClient, syncInBand } from './sdk-sync.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDurationMs', () => {
  it('reads the units the SDK and Go use, alone and combined', () => {
    const cases: [string, number][] = [
      ['2s', 2 * S],
      ['500ms', 500],
      ['1m', M],
      ['1h30m', H + 30 * M],
      ['1d', D],
      ['1w', 7 * D],
      ['2w3d4h5m6s', 2 * 7 * D + 3 * D + 4 * H + 5 * M + 6 * S],
      ['24h0m0s', D],
      ['1.5h', 1.5 * H],
      ['.5s', 500],
      ['0', 0],
      ['0s', 0],
      ['1500us', 2],
      ['1ns', 1],
      ['10µs', 1],
    ];
    for (const [s, ms] of cases) expect(parseDurationMs(s), s).toBe(ms);
  });

  it('returns undefined for what is not a duration', () => {
    for (const s of ['', '10', '-1s', '+1s', '1 s', '1x', 's', '1h ', '1H', 'PT1S', '1e3s'])
      expect(parseDurationMs(s), JSON.stringify(s)).toBeUndefined();
    expect(parseDurationMs('9999999999999999w')).toBeUndefined();
    expect(parseDurationMs(5 as unknown as string)).toBeUndefined();
  });

  it('reads what the real SDK sends for step.sleep with a number of ms and cancelOn timeouts', async () => {
    const inngest = devClient('dur-app');
    const f = inngest.createFunction(
      {
        id: 'f',
        triggers: [{ event: 'x' }],
        cancelOn: [
          { event: 'a', timeout: 5000 },
          { event: 'b', timeout: '1.5 hours' },
          { event: 'c', timeout: 90_061_000 },
        ],
      },
      async () => null,
    );
    const { body } = await syncInBand(inngest, [f]);
    const cancel = (body.functions as { cancel: { timeout: string }[] }[])[0]!.cancel;
    // The SDK's timeStr turns ms (or an `ms` string) into w/d/h/m/s strings.
    expect(cancel.map((c) => c.timeout)).toEqual(['5s', '1h30m', '1d1h1m1s']);
    expect(cancel.map((c) => parseDurationMs(c.timeout))).toEqual([
      5 * S,
      H + 30 * M,
      D + H + M + S,
    ]);
  });
});

describe('parseIsoDateMs', () => {
  it('reads RFC 3339 dates with a zone, and reads a zoneless time as UTC', () => {
    expect(parseIsoDateMs('2026-01-02T03:04:05.678Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(parseIsoDateMs('2026-01-02T03:04:05+01:00')).toBe(Date.UTC(2026, 0, 2, 2, 4, 5));
    expect(parseIsoDateMs('2026-01-02T03:04:05.123456789Z')).toBe(
      Date.UTC(2026, 0, 2, 3, 4, 5, 123),
    );
    expect(parseIsoDateMs('2026-01-02T03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIsoDateMs('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseIsoDateMs('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses impossible and non-ISO dates', () => {
    for (const s of [
      '2026-02-30T00:00:00Z',
      '2025-02-29',
      '2026-13-01',
      '2026-01-01T24:00:00Z',
      'March 7, 2026',
      '1767225600000',
      '2026/01/01',
    ])
      expect(parseIsoDateMs(s), s).toBeUndefined();
  });
});

describe('parseSleepTarget', () => {
  const now = Date.UTC(2026, 0, 1);

  it('a duration is relative to now', () => {
    expect(parseSleepTarget('1h30m', now)).toBe(now + H + 30 * M);
    expect(parseSleepTarget('1s', now)).toBe(now + S);
  });

  it('an ISO date is absolute; one in the past is now', () => {
    expect(parseSleepTarget('2026-01-02T00:00:00.000Z', now)).toBe(now + D);
    expect(parseSleepTarget('2025-01-01T00:00:00.000Z', now)).toBe(now);
  });

  it('the empty string (what the SDK sends for a zero sleep) is now', () => {
    expect(parseSleepTarget('', now)).toBe(now);
  });

  it('anything else is undefined; MAX_SLEEP_MS is not enforced here', () => {
    for (const s of ['soon', '2026', '10', '2026-01-0'])
      expect(parseSleepTarget(s, now), s).toBeUndefined();
    expect(parseSleepTarget('400d', now)).toBe(now + 400 * D);
    expect(MAX_SLEEP_MS).toBe(366 * D);
  });
});
