/**
 * The ingest workload's SDK app (testkit/sdk-app-process.ts runs it with the real `inngest`
 * SDK, dev mode): one function, triggered by the bench's event, that returns at once, so that
 * every accepted event starts a run and the runs cost the engine as little as a run can.
 */
import type { Inngest } from 'inngest';

export const INGEST_EVENT = 'bench/ingest';
export const appId = 'benchingest';

export function functions(inngest: Inngest) {
  return [
    inngest.createFunction({ id: 'noop', triggers: [{ event: INGEST_EVENT }] }, async () => 'ok'),
  ];
}
