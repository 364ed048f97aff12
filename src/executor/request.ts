import type { SdkRequestBody } from '../driver/driver.js';
import type { QueueItem } from '../queue/item.js';
import type { LoadedRun } from '../state/shard/loadRun.js';

/**
 * Largest call body sent with the run's state in it, in bytes (Inngest's 4 MiB): a larger one
 * goes out with `use_api` and without its events and steps, which the SDK then fetches from
 * `GET /v0/runs/{id}/batch` and `/actions` (sdk-http-protocol.md §6.3).
 */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The memo of every step in the stack, by step ID, and that stack: what the SDK replays. A
 * result saved after the stack was read is not in it, so it is left out.
 */
export function memoSteps(run: LoadedRun): { steps: Record<string, unknown>; stack: string[] } {
  const steps: Record<string, unknown> = {};
  for (const id of run.stack) {
    const memo = run.memo[id];
    if (memo !== undefined) steps[id] = JSON.parse(memo);
  }
  return { steps, stack: run.stack.filter((id) => run.memo[id] !== undefined) };
}

/**
 * The v2 call body (sdk-http-protocol.md §2.3): the trigger events, the memo of every step in
 * the stack, and ctx. No `fn_id`: the SDK then stays out of checkpoint mode and reports one
 * step per request. A body over `maxBodyBytes` keeps `event` and ctx (the stack included, so
 * the SDK replays in order) but sends `events: []`, `steps: {}` and `use_api: true`.
 */
export function buildRequestBody(
  run: LoadedRun,
  item: QueueItem,
  maxBodyBytes = MAX_REQUEST_BODY_BYTES,
): SdkRequestBody {
  const { steps, stack } = memoSteps(run);
  const body: SdkRequestBody = {
    event: run.events[0] ?? {},
    events: run.events,
    steps,
    ctx: {
      run_id: run.meta.id,
      attempt: item.attempt,
      max_attempts: item.maxAttempts,
      disable_immediate_execution: run.meta.die,
      use_api: false,
      stack: { stack, current: stack.length },
    },
    version: run.meta.requestVersion,
    use_api: false,
  };
  if (jsonBytes(body) <= maxBodyBytes) return body;
  return { ...body, events: [], steps: {}, ctx: { ...body.ctx, use_api: true }, use_api: true };
}

/**
 * The body's size as the driver sends it: its canonical JSON only orders keys differently, so
 * the lengths agree (but where a lone surrogate, which JCS replaces by U+FFFD, makes this one
 * a few bytes longer).
 */
function jsonBytes(body: SdkRequestBody): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}
