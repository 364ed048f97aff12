import type { Opcode } from '../driver/opcodes.js';
import type { CommitEntry } from '../state/shard/commitStep.js';
import { JobIds } from './job-ids.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import { errorMessage, type OpsPlan, type PlanBuilder } from './plan-builder.js';

/** StepRun (and the legacy Step): save `{data}`, then continue. */
export function planStepRun(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  const memoJson = JSON.stringify({ data: op.data ?? null });
  const size = Buffer.byteLength(memoJson);
  if (size > RUN_LIMITS.maxStepOutputBytes)
    return {
      kind: 'fail',
      error: LimitErrors.stepOutputTooLarge(size, RUN_LIMITS.maxStepOutputBytes),
    };
  b.entries.push({ type: 'memo', stepId: op.id, memoJson, record: b.record(op) });
  b.continueAfter(op, 'edge');
  return undefined;
}

/**
 * StepError: with attempts left (and no no-retry), the same item runs again; on the last
 * attempt it is final, as StepFailed.
 */
export function planStepError(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  const { input } = b;
  if (!input.noRetry && !b.lastAttempt)
    return {
      kind: 'retry',
      message: `step ${op.displayName ?? op.id} failed: ${errorMessage(op.error)}`,
      ...(input.retryAt !== undefined ? { retryAt: input.retryAt } : {}),
    };
  return planStepFailed(b, op);
}

/** StepFailed: save `{error}` (user code may catch it), then continue with edge-error. */
export function planStepFailed(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  b.entries.push(failedMemo(op, b));
  b.continueAfter(op, 'edge-error');
  return undefined;
}

/** StepPlanned: an item that executes the step (deduplicated by its job ID). */
export function planStepPlanned(b: PlanBuilder, op: Opcode): OpsPlan | undefined {
  const jobId = JobIds.planned(b.input.prefix, op.id);
  b.entries.push({
    type: 'item',
    item: b.item('edge', jobId, { stepId: op.id, ...b.groupOf(op) }),
  });
  return undefined;
}

/** DiscoveryRequest: the SDK wants to be called again. */
export function planDiscoveryRequest(b: PlanBuilder): OpsPlan | undefined {
  const { item } = b.input;
  const jobId = JobIds.redrive(b.input.prefix, item.id, item.attempt);
  b.entries.push({ type: 'item', item: b.item('edge', jobId, {}) });
  return undefined;
}

function failedMemo(op: Opcode, b: PlanBuilder): CommitEntry {
  const error = op.error ?? { name: 'Error', message: 'step failed' };
  return {
    type: 'memo',
    stepId: op.id,
    memoJson: JSON.stringify({ error }),
    record: b.record(op, true),
  };
}
