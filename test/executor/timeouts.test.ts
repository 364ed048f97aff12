import { describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../src/executor/function-config.js';
import { deadlineOf, missedTimeout, timeoutsOf } from '../../src/executor/timeouts.js';

const T0 = 1_700_000_000_000;
const fn = (timeouts?: { start?: string; finish?: string }) =>
  ({ id: 'f', ...(timeouts ? { timeouts } : {}) }) as FunctionDefinition;

/** The deadline rules of reference §11.7, as Execute and the eager cancel items apply them. */
describe('timeouts: deadlines', () => {
  it('reads the config strings with the one duration parser', () => {
    expect(timeoutsOf(fn({ start: '1m30s', finish: '2h' }))).toEqual({
      startMs: 90_000,
      finishMs: 7_200_000,
    });
    expect(timeoutsOf(fn())).toEqual({});
  });

  it('start counts from creation and stops applying once the run started', () => {
    const t = timeoutsOf(fn({ start: '10s' }));
    expect(deadlineOf('start', { createdAt: T0 }, t)).toBe(T0 + 10_000);
    expect(deadlineOf('start', { createdAt: T0, startedAt: T0 + 20_000 }, t)).toBeUndefined();
    expect(missedTimeout({ createdAt: T0 }, t, T0 + 9_999)).toBeUndefined();
    expect(missedTimeout({ createdAt: T0 }, t, T0 + 10_000)).toBe('start');
    // Started (late or not), the start timeout no longer cancels it.
    expect(missedTimeout({ createdAt: T0, startedAt: T0 + 5 }, t, T0 + 60_000)).toBeUndefined();
    // A batch's run has no start timeout (reference §11.2), at Execute as for the cancel item.
    expect(deadlineOf('start', { createdAt: T0, batchId: 'b1' }, t)).toBeUndefined();
    expect(missedTimeout({ createdAt: T0, batchId: 'b1' }, t, T0 + 60_000)).toBeUndefined();
  });

  it('finish counts from the first start and does not apply before it', () => {
    const t = timeoutsOf(fn({ finish: '1m' }));
    expect(deadlineOf('finish', { createdAt: T0 }, t)).toBeUndefined();
    const started = { createdAt: T0, startedAt: T0 + 30_000 };
    expect(deadlineOf('finish', started, t)).toBe(T0 + 90_000);
    expect(missedTimeout(started, t, T0 + 89_999)).toBeUndefined();
    expect(missedTimeout(started, t, T0 + 90_000)).toBe('finish');
    expect(missedTimeout({ createdAt: T0 }, t, T0 + 3_600_000)).toBeUndefined();
  });

  it('a function without timeouts has no deadline', () => {
    const t = timeoutsOf(fn());
    for (const kind of ['start', 'finish'] as const)
      expect(deadlineOf(kind, { createdAt: T0, startedAt: T0 }, t)).toBeUndefined();
    expect(missedTimeout({ createdAt: T0 }, t, T0 + 1e12)).toBeUndefined();
  });
});
