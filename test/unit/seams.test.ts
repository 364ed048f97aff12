import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from '../../src/core/clock.js';
import { isUlid, leaseId, ulid, ulidTime } from '../../src/core/ulid.js';
import { seededRandom } from '../../src/core/random.js';
import { InvalidOptionError } from '../../src/core/errors.js';
import { shardIndexFor } from '../../src/queue/selector.js';

describe('ManualClock', () => {
  it('wakes sleepers in deadline order as time passes them, and never goes back', async () => {
    const clock = new ManualClock(1000);
    const woke: number[] = [];
    const a = clock.sleep(50).then(() => woke.push(50));
    const b = clock.sleep(10).then(() => woke.push(10));
    const c = clock.sleep(100).then(() => woke.push(100));
    clock.advance(60);
    await Promise.all([a, b]);
    expect(woke).toEqual([10, 50]);
    expect(clock.pendingSleeps()).toBe(1);
    clock.advance(40);
    await c;
    expect(woke).toEqual([10, 50, 100]);
    expect(() => clock.set(999)).toThrow(/cannot go back/);
    expect(() => clock.advance(-1)).toThrow(InvalidOptionError);
  });

  it('resolves a sleep early on abort', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1_000_000, ac.signal);
    ac.abort();
    await p;
    expect(clock.pendingSleeps()).toBe(0);
  });
});

describe('SystemClock', () => {
  it('sleeps and wakes early on abort', async () => {
    const clock = new SystemClock();
    const t = clock.now();
    await clock.sleep(20);
    expect(clock.now() - t).toBeGreaterThanOrEqual(15);
    const ac = new AbortController();
    const p = clock.sleep(60_000, ac.signal);
    ac.abort();
    await p;
  });
});

describe('seeded random', () => {
  it('repeats for a seed and differs across seeds', () => {
    const seq = (seed: number) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(seededRandom(seed)),
      );
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
    const r = seededRandom('x');
    for (let i = 0; i < 1000; i++) {
      const n = r.int(7);
      expect(n >= 0 && n < 7 && Number.isInteger(n)).toBe(true);
    }
    expect(() => r.int(0)).toThrow(InvalidOptionError);
  });
});

describe('ULID', () => {
  it('carries its timestamp, sorts by time and is 26 Crockford characters', () => {
    const r = seededRandom(1);
    const a = ulid(1_700_000_000_000, r);
    const b = ulid(1_700_000_000_001, r);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ulidTime(a)).toBe(1_700_000_000_000);
    expect(a < b).toBe(true);
    expect(isUlid(a)).toBe(true);
    expect(isUlid('not-a-ulid')).toBe(false);
    expect(ulidTime(leaseId(42, r))).toBe(42);
    expect(() => ulid(-1, r)).toThrow(InvalidOptionError);
    expect(() => ulidTime('U'.repeat(26))).toThrow(/bad character/);
  });

  it('is reproducible from the injected clock time and random seed', () => {
    expect(ulid(5, seededRandom(9))).toBe(ulid(5, seededRandom(9)));
  });
});

describe('shard selector', () => {
  it('is deterministic and spreads accounts over shards', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardIndexFor(`account-${i}`, 4)]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(shardIndexFor('acct', 4)).toBe(shardIndexFor('acct', 4));
    expect(shardIndexFor('acct', 1)).toBe(0);
    expect(() => shardIndexFor('acct', 0)).toThrow(InvalidOptionError);
  });
});
