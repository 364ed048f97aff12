import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startAppDiscovery } from '../../src/server/app-discovery.js';

/** An app that answers the sync or not, as the test says, and whose functions may change. */
class FakeApp {
  up = false;
  functions = ['a'];
  private stored = '';
  readonly calls: number[] = [];

  constructor(private readonly clock: ManualClock) {}

  async registerApp(url: string) {
    this.calls.push(this.clock.now());
    if (!this.up) throw new Error(`connect ECONNREFUSED ${url}`);
    const config = this.functions.join(',');
    const modified = config !== this.stored;
    this.stored = config;
    return { appId: 'app', functions: [...this.functions], modified };
  }
}

/** Lets the discovery loop run its microtasks, then moves the clock. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  clock.advance(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('app discovery (--sdk-url)', () => {
  it('retries with back-off until the app answers, then syncs it every poll and logs changes', async () => {
    const clock = new ManualClock(0);
    const app = new FakeApp(clock);
    const logs: string[] = [];
    const discovery = startAppDiscovery({
      urls: ['http://app/api/inngest'],
      engine: app,
      clock,
      log: (level, message) => logs.push(`${level} ${message}`),
      pollMs: 5_000,
      firstRetryMs: 500,
    });
    await discovery.firstAttempts; // the first attempt failed: start-up goes on
    for (let t = 0; t < 8_000; t += 100) await advance(clock, 100);
    // Back-off 500, 1000, 2000, 4000 ms (capped at the poll): attempts at 0, .5, 1.5, 3.5, 7.5 s.
    expect(app.calls).toEqual([0, 500, 1_500, 3_500, 7_500]);
    expect(logs).toEqual(['warn app sync failed; retrying with back-off']);

    app.up = true;
    for (let t = 0; t < 5_000; t += 100) await advance(clock, 100);
    expect(logs.at(-1)).toBe('info app synced');
    const syncedAt = app.calls.length;
    for (let t = 0; t < 10_000; t += 100) await advance(clock, 100);
    expect(app.calls.length - syncedAt, 'one sync per poll while nothing changes').toBe(2);
    expect(logs.filter((l) => l === 'info app synced')).toHaveLength(1);

    app.functions = ['a', 'b']; // the app restarted with a new function: the next poll has it
    for (let t = 0; t < 5_000; t += 100) await advance(clock, 100);
    expect(logs.filter((l) => l === 'info app synced')).toHaveLength(2);

    await discovery.stop();
    const stoppedAt = app.calls.length;
    for (let t = 0; t < 20_000; t += 100) await advance(clock, 100);
    expect(app.calls.length, 'no sync after stop').toBe(stoppedAt);
  });
});
