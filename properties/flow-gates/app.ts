import type { Inngest } from 'inngest';
import { inProcessApp, InProcessTransport } from '../../testkit/in-process-sdk.js';
import { RecordingTransport } from '../run-lifecycle/world.js';

/**
 * The flow-gates property's app (reference §11.3, §11.5, §11.7): a rate-limited function keyed
 * by tenant, one with `idempotency` by tenant, a skip-mode singleton keyed by tenant that sleeps
 * while it holds its lock, and a function with a finish timeout whose nap (event.data.nap) ends
 * before it or after it.
 */
export const HOST = 'fg.app';
export const APP_URL = `http://${HOST}/api/inngest`;
export const GATE_FNS = ['limited', 'once', 'single', 'timed'] as const;
export type GateFn = (typeof GATE_FNS)[number];
export const triggerOf = (fn: GateFn) => `fg/${fn}`;
export const RATE = { limit: 2, periodMs: 10_000 } as const;
/** `idempotency`: a rate limit of one run per key per 24 h. */
export const ONCE = { limit: 1, periodMs: 24 * 3_600_000 } as const;
export const FINISH_MS = 2000;
export const NAPS = { short: '500ms', long: '5s' } as const;

interface Ctx {
  event: { data: { nap?: string } };
  step: {
    run: (id: string, f: () => string) => Promise<string>;
    sleep: (id: string, d: string) => Promise<void>;
  };
}

export function gatesApp() {
  return inProcessApp({
    host: HOST,
    appId: 'fg',
    quiet: true,
    functions: (inngest: Inngest) => {
      const fn = (id: GateFn, extra: object, body: (c: Ctx) => Promise<unknown>) =>
        inngest.createFunction(
          { id, retries: 0, triggers: [{ event: triggerOf(id) }], ...extra },
          body as never,
        );
      const napping = (nap: string) => async (c: Ctx) => {
        const a = await c.step.run('a', () => 'a');
        await c.step.sleep('nap', c.event.data.nap ?? nap);
        return [a, await c.step.run('b', () => 'b')];
      };
      return [
        fn(
          'limited',
          { rateLimit: { limit: RATE.limit, period: '10s', key: 'event.data.tenant' } },
          async (c) => c.step.run('a', () => 'a'),
        ),
        fn('once', { idempotency: 'event.data.tenant' }, async (c) => c.step.run('a', () => 'a')),
        fn('single', { singleton: { key: 'event.data.tenant', mode: 'skip' } }, napping('3s')),
        fn('timed', { timeouts: { finish: '2s' } }, napping(NAPS.short)),
      ];
    },
  });
}

export function gatesTransport(): RecordingTransport {
  return new RecordingTransport(new InProcessTransport([gatesApp()]));
}
