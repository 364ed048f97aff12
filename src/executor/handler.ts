import type { QueueItem } from '../queue/item.js';
import { NonRetriableError, type Handler } from '../queue/processor/run/handler.js';
import { onBatchTimer } from './batch.js';
import type { ExecutorContext } from './context.js';
import { cancelRun } from './cancel.js';
import { handleCronItem } from './cron.js';
import { fireDebounceTimer } from './debounce.js';
import { executeStep } from './execute.js';
import { decodeRunItemPayload } from './item-payload.js';
import { onPauseTimeout, wakeSleep } from './resume.js';
import { emitTerminalEvents } from './terminal-events.js';
import { onTimeoutItem } from './timeout-guard.js';

const CRON_KINDS: ReadonlySet<string> = new Set(['cron', 'cron-sync', 'cron-health-check']);

/** The queue Handler the processor runs: each item kind the executor owns, to its part. */
export function executorHandler(ctx: ExecutorContext): Handler {
  return async (item: QueueItem, hctx) => {
    if (CRON_KINDS.has(item.kind)) return await handleCronItem(ctx, item, hctx);
    // A debounce timer belongs to no run yet: its payload is its window's (see debounce.ts).
    if (item.kind === 'debounce') return await fireDebounceTimer(ctx, item, hctx);
    if (item.kind === 'schedule-batch') return await onBatchTimer(ctx, hctx.payload);
    const payload = decodeRunItemPayload(hctx.payload);
    switch (item.kind) {
      case 'start':
      case 'edge':
      case 'edge-error':
        return await executeStep(ctx, item, payload, hctx);
      case 'sleep':
        return await wakeSleep(ctx, item, payload, hctx);
      case 'pause':
        return await onPauseTimeout(ctx, item, payload, hctx);
      case 'finish':
        return void (await emitTerminalEvents(ctx, payload));
      case 'cancel':
        // A timeout's cancels only if its deadline still applies; any other ends the run, if open.
        if (payload.timeout !== undefined)
          return await onTimeoutItem(ctx, payload.timeout, item, payload, hctx);
        return void (await cancelRun(ctx, payload.runId, 'cancel-item'));
      default:
        throw new NonRetriableError(`the executor does not handle items of kind ${item.kind}`);
    }
  };
}
