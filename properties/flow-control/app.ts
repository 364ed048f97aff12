import type { Inngest } from 'inngest';
import { inProcessApp, InProcessTransport } from '../../testkit/in-process-sdk.js';
import { RecordingTransport } from '../run-lifecycle/world.js';

/**
 * The flow-control property's app: one function per kind of flow control in the function config
 * (reference §11.6), each a few steps, so that its run has start and edge items.
 */
export const HOST = 'fc.app';
export const APP_URL = `http://${HOST}/api/inngest`;
export const FLOW_FNS = ['keyed', 'throttled', 'prioritized'] as const;
export type FlowFn = (typeof FLOW_FNS)[number];
export const fnIdOf = (fn: FlowFn) => `fc-${fn}`;
export const triggerOf = (fn: FlowFn) => `fc/${fn}`;
export const KEY_LIMIT = 1;
export const THROTTLE = { limit: 1, burst: 1, periodMs: 10_000 } as const;

export function flowApp() {
  return inProcessApp({
    host: HOST,
    appId: 'fc',
    quiet: true,
    functions: (inngest: Inngest) => {
      const steps = async ({
        step,
      }: {
        step: { run: (id: string, f: () => string) => unknown };
      }) => {
        await Promise.all([step.run('a', () => 'a'), step.run('b', () => 'b')]);
        return await step.run('c', () => 'c');
      };
      const fn = (id: FlowFn, extra: object) =>
        inngest.createFunction(
          { id, retries: 0, triggers: [{ event: triggerOf(id) }], ...extra },
          steps as never,
        );
      return [
        fn('keyed', { concurrency: [{ limit: KEY_LIMIT, key: 'event.data.tenant' }] }),
        fn('throttled', {
          throttle: {
            limit: THROTTLE.limit,
            burst: THROTTLE.burst,
            period: '10s',
            key: 'event.data.tenant',
          },
        }),
        fn('prioritized', { priority: { run: 'event.data.priority' } }),
      ];
    },
  });
}

export function flowTransport(): RecordingTransport {
  return new RecordingTransport(new InProcessTransport([flowApp()]));
}
