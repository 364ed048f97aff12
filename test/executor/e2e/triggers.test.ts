import { describe, expect, it } from 'vitest';
import { useE2E } from './harness.js';

/**
 * Triggers with the real SDK (issue 14): a trigger's `if` (CEL on the event, sent by the SDK
 * as `expression`) and wildcard event names (`app/*`, `app/user.*`), as Inngest matches them.
 */
describe('triggers (dev mode)', () => {
  const seen: Record<string, string[]> = { big: [], any: [], user: [] };
  const h = useE2E('dev', 'trig', (inngest) => [
    inngest.createFunction(
      { id: 'big-orders', triggers: [{ event: 'trig/order', if: 'event.data.total > 100' }] },
      async ({ event }) => void seen.big!.push(String((event.data as { n: string }).n)),
    ),
    inngest.createFunction(
      { id: 'everything', triggers: [{ event: 'trig/*' }] },
      async ({ event }) => void seen.any!.push(event.name),
    ),
    inngest.createFunction(
      { id: 'user-events', triggers: [{ event: 'trig/user.*' }] },
      async ({ event }) => void seen.user!.push(event.name),
    ),
  ]);

  async function runsOf(name: string, data: Record<string, unknown>): Promise<string[]> {
    const ids = await h.trigger(name, data);
    for (const id of ids) expect((await h.engine.waitForRun(id)).status).toBe('completed');
    const fns = await Promise.all(ids.map(async (id) => (await h.engine.getRun(id))?.functionId));
    return fns.map(String).sort();
  }

  it("a trigger's `if` starts a run only for the events it holds for", async () => {
    expect(await runsOf('trig/order', { n: 'small', total: 20 })).toEqual(['trig-everything']);
    expect(await runsOf('trig/order', { n: 'large', total: 250 })).toEqual([
      'trig-big-orders',
      'trig-everything',
    ]);
    // A field the event lacks makes the expression an error: no run (as Inngest).
    expect(await runsOf('trig/order', { n: 'none' })).toEqual(['trig-everything']);
    expect(seen.big).toEqual(['large']);
  });

  it('`trig/*` matches every trig/ name, `trig/user.*` only the user ones', async () => {
    expect(await runsOf('trig/user.created', {})).toEqual(['trig-everything', 'trig-user-events']);
    expect(await runsOf('trig/user.deleted', {})).toEqual(['trig-everything', 'trig-user-events']);
    expect(await runsOf('trig/team.created', {})).toEqual(['trig-everything']);
    expect(await runsOf('other/user.created', {})).toEqual([]);
    expect(seen.user).toEqual(['trig/user.created', 'trig/user.deleted']);
  });
});
