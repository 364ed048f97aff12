import type { Opcode, OpcodeName } from '../driver/opcodes.js';
import type { ExecutorContext } from './context.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import { errorMessage, PlanBuilder, type OpsInput, type OpsPlan } from './plan-builder.js';
import { planInvoke } from './plan-invoke.js';
import {
  planDiscoveryRequest,
  planStepError,
  planStepFailed,
  planStepPlanned,
  planStepRun,
} from './plan-steps.js';
import { planSleep, planWaitForEvent } from './plan-waits.js';

export type { OpsInput, OpsPlan } from './plan-builder.js';

type OpPlanner = (b: PlanBuilder, op: Opcode) => OpsPlan | undefined | Promise<OpsPlan | undefined>;

/** What each opcode does (reference §7.2); ops not listed fail the attempt, naming them. */
const PLANNERS: Partial<Record<OpcodeName, OpPlanner>> = {
  StepRun: planStepRun,
  Step: planStepRun,
  StepError: planStepError,
  StepFailed: planStepFailed,
  StepPlanned: planStepPlanned,
  Sleep: planSleep,
  WaitForEvent: planWaitForEvent,
  InvokeFunction: planInvoke,
  DiscoveryRequest: planDiscoveryRequest,
  RunComplete: (_b, op) => ({ kind: 'complete', result: op.data ?? null }),
};

const LAZY_OPS: ReadonlySet<string> = new Set(['DeferAdd', 'DeferAbort', 'None']);
/** sha1("complete"): the id of a function-level error that rides along with lazy ops. */
const COMPLETE_ID = '0737c22d3bfae812339732d14d8c7dbd6dc4e09c';

/**
 * Response handling (reference §7): the opcodes of one 206 become one commit (results, next
 * items, pauses, the pending set of a parallel plan), or a run outcome, decided before anything
 * is written.
 */
export async function planOps(ctx: ExecutorContext, input: OpsInput): Promise<OpsPlan> {
  const work = input.ops.filter((o) => !LAZY_OPS.has(o.op));
  if (work.length > RUN_LIMITS.maxOpsPerResponse)
    return { kind: 'fail', error: LimitErrors.functionOverflowed(RUN_LIMITS.maxSteps) };
  const b = new PlanBuilder(ctx, input, work);
  for (const op of work) {
    if ((op.op === 'StepError' || op.op === 'StepFailed') && op.id === COMPLETE_ID) {
      // A function-level error riding with lazy ops: it uses the retry budget like any.
      if (op.op === 'StepError' && !input.noRetry && !b.lastAttempt)
        return { kind: 'retry', message: `the function failed: ${errorMessage(op.error)}` };
      return { kind: 'fail', error: op.error ?? null };
    }
    const planner = PLANNERS[op.op];
    if (planner === undefined)
      return { kind: 'retry', message: `opcode ${op.op} (step ${op.id}) is not supported by durq` };
    const outcome = await planner(b, op);
    if (outcome !== undefined) return outcome;
  }
  return b.commit();
}
