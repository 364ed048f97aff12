import type { Inngest } from 'inngest';
import { inProcessApp, InProcessTransport } from '../../testkit/in-process-sdk.js';
import { RecordingTransport } from '../run-lifecycle/world.js';

/**
 * The timers property's apps: a debounced and a batched function (one app), and a cron function
 * (another app: its chain of ticks never ends, so it gets a property of its own).
 */
export const HOST = 'ft.app';
export const APP_URL = `http://${HOST}/api/inngest`;
export const CRON_HOST = 'ftc.app';
export const CRON_APP_URL = `http://${CRON_HOST}/api/inngest`;
export const FN = { debounced: 'ft-debounced', batched: 'ft-batched', cron: 'ftc-tick' } as const;
export const TRIGGER = { debounced: 'ft/debounced', batched: 'ft/batched' } as const;
export const DEBOUNCE = { periodMs: 2000, timeoutMs: 5000 } as const;
export const BATCH = { maxSize: 3, timeoutMs: 2000 } as const;
export const CRON = '* * * * *';

const body = async ({ step }: { step: { run: (id: string, f: () => string) => unknown } }) =>
  await step.run('a', () => 'a');

function timersApp() {
  return inProcessApp({
    host: HOST,
    appId: 'ft',
    quiet: true,
    functions: (inngest: Inngest) => [
      inngest.createFunction(
        {
          id: 'debounced',
          retries: 0,
          triggers: [{ event: TRIGGER.debounced }],
          debounce: { period: '2s', timeout: '5s', key: 'event.data.k' },
        },
        body as never,
      ),
      inngest.createFunction(
        {
          id: 'batched',
          retries: 0,
          triggers: [{ event: TRIGGER.batched }],
          batchEvents: { maxSize: BATCH.maxSize, timeout: '2s', key: 'event.data.k' },
        },
        body as never,
      ),
    ],
  });
}

function cronApp() {
  return inProcessApp({
    host: CRON_HOST,
    appId: 'ftc',
    quiet: true,
    functions: (inngest: Inngest) => [
      inngest.createFunction({ id: 'tick', retries: 0, triggers: [{ cron: CRON }] }, body as never),
    ],
  });
}

export function timersTransport(): RecordingTransport {
  return new RecordingTransport(new InProcessTransport([timersApp(), cronApp()]));
}
