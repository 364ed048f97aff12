import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../sim/scheduler.js';

/**
 * The scheduler's batches: events with a begin, due back to back at one instant, begin ahead of
 * their runs, and every event still runs in queue order. The log shows what happened when.
 */
const T0 = 1_000;

function setup() {
  const s = new Scheduler(T0);
  const log: string[] = [];
  /** A call-like event: its begin logs and says whether the batch stays open. */
  const call = (name: string, at = T0, open = true, then?: () => void) =>
    s.schedule(
      at,
      name.split('.')[0]!,
      () => {
        log.push(`run ${name}`);
        then?.();
      },
      {
        begin: () => {
          log.push(`begin ${name}`);
          return open;
        },
      },
    );
  return { s, log, call };
}

describe('Scheduler batches', () => {
  it('begins the calls due at one instant before the first runs, and runs them in order', async () => {
    const { s, log, call } = setup();
    call('a');
    call('b');
    call('c', T0 + 1);
    await s.runUntil(T0 + 10);
    expect(log).toEqual(['begin a', 'begin b', 'run a', 'run b', 'begin c', 'run c']);
  });

  it('a call scheduled by a run for the same instant joins before the next run', async () => {
    const { s, log, call } = setup();
    call('a', T0, true, () => call('a2'));
    call('b');
    await s.runUntil(T0 + 10);
    expect(log).toEqual(['begin a', 'begin b', 'run a', 'begin a2', 'run b', 'run a2']);
  });

  it('a begin that returns false ends the batch until its event has run', async () => {
    const { s, log, call } = setup();
    call('a', T0, false);
    call('b');
    await s.runUntil(T0 + 10);
    expect(log).toEqual(['begin a', 'run a', 'begin b', 'run b']);
  });

  it('carries product-only events, and stops at any other event', async () => {
    const { s, log, call } = setup();
    call('a');
    s.schedule(T0, 'p', () => void log.push('run sleep'), { productOnly: true });
    call('b');
    s.schedule(T0, '', () => void log.push('run tick'));
    call('c');
    await s.runUntil(T0 + 10);
    expect(log).toEqual([
      ...['begin a', 'begin b', 'run a', 'run sleep', 'run b'],
      ...['run tick', 'begin c', 'run c'],
    ]);
  });

  it("does not take a paused owner's call into a batch", async () => {
    const { s, log, call } = setup();
    s.pausedUntil = (owner) => (owner === 'p' ? T0 + 5 : 0);
    call('a');
    call('p.x');
    call('b');
    await s.runUntil(T0 + 10);
    expect(log).toEqual(['begin a', 'run a', 'begin b', 'run b', 'begin p.x', 'run p.x']);
  });

  it('a stop puts the begun events back: they run on the next runUntil, without a new begin', async () => {
    const { s, log, call } = setup();
    let stopped = false;
    call('a', T0, true, () => (stopped = true));
    call('b');
    expect(await s.runUntil(T0 + 10, () => stopped)).toBe('stopped');
    expect(log).toEqual(['begin a', 'begin b', 'run a']);
    stopped = false;
    await s.runUntil(T0 + 10);
    expect(log).toEqual(['begin a', 'begin b', 'run a', 'run b']);
  });
});
