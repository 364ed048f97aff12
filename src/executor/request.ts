import type { SdkRequestBody } from '../driver/driver.js';
import type { QueueItem } from '../queue/item.js';
import type { LoadedRun } from '../state/shard/loadRun.js';

/**
 * The v2 call body (sdk-http-protocol.md §2.3): the trigger events, the memo of every step in
 * the stack (a result saved after the stack was read is not sent), and ctx. No `fn_id`: the SDK
 * then stays out of checkpoint mode and reports one step per request.
 */
export function buildRequestBody(run: LoadedRun, item: QueueItem): SdkRequestBody {
  const steps: Record<string, unknown> = {};
  for (const id of run.stack) {
    const memo = run.memo[id];
    if (memo !== undefined) steps[id] = JSON.parse(memo);
  }
  const stack = run.stack.filter((id) => run.memo[id] !== undefined);
  return {
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
}
