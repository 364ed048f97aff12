import type { SdkResponse } from '../driver/driver.js';
import type { QueueItem } from '../queue/item.js';
import type { HandlerContext, HandlerResult } from '../queue/processor/run/handler.js';
import { DeferError, RetryAtError } from '../queue/processor/run/handler.js';
import type { LoadedRun } from '../state/shard/loadRun.js';
import { AttemptFailedError } from './attempt-error.js';
import { isOpen } from '../state/run.js';
import type { ExecutorContext } from './context.js';
import { finishRun } from './finalize.js';
import type { FunctionDefinition } from './function-config.js';
import type { RunItemPayload } from './item-payload.js';
import { stepPrefix } from './job-ids.js';
import { LimitErrors, RUN_LIMITS } from './limits.js';
import { planOps, type OpsPlan } from './ops-plan.js';
import { buildRequestBody } from './request.js';
import type { RunRef } from './lifecycle.js';
import { guardTimeouts } from './timeout-guard.js';

/**
 * Execute (reference §6): one SDK request for a start, edge or edge-error item, and what its
 * response asks for, committed with the item's ack in one fenced script.
 */
export async function executeStep(
  ctx: ExecutorContext,
  item: QueueItem,
  payload: RunItemPayload,
  handler: HandlerContext,
): Promise<HandlerResult | void> {
  try {
    return await executeAttempt(ctx, item, payload, handler);
  } catch (err) {
    // An error of durq's own (Redis, a bug) on the item's last attempt: nothing would retry it,
    // so the run fails with it rather than wait forever. (If a commit did land before the
    // error, the fenced finish finds the item gone and changes nothing.)
    if (item.attempt + 1 < item.maxAttempts || isRetryOfStep(err)) throw err;
    // Its lease lost (it may be running elsewhere) or its processor closing (it was handed
    // back): the attempt did not end here, so it fails nothing.
    if (handler.signal.aborted) throw err;
    try {
      const run = await ctx.store.loadRun(payload.runId, '');
      if (run === null) return;
      await finishRun(ctx, {
        meta: run.meta,
        status: 'failed',
        error: { name: 'Error', message: `durq could not run the step: ${String(err)}` },
        current: { item, handler },
      });
    } catch (outage) {
      // Not even the failure could be recorded (Redis is out of reach): dropping the item now
      // would leave the run open forever (found by the simulator), so it comes back in a second
      // without using an attempt.
      throw new DeferError(
        `durq could not record the failure of ${item.id}: ${String(outage)}`,
        ctx.clock.now() + DEFER_MS,
        { cause: outage },
      );
    }
  }
}

/** How long a deferred last attempt waits before it is tried again. */
const DEFER_MS = 1000;

/** Errors that ask the processor to run this attempt again (never on the last attempt). */
function isRetryOfStep(err: unknown): boolean {
  return err instanceof AttemptFailedError || err instanceof RetryAtError;
}

async function executeAttempt(
  ctx: ExecutorContext,
  item: QueueItem,
  payload: RunItemPayload,
  handler: HandlerContext,
): Promise<HandlerResult | void> {
  const loaded = await ctx.store.loadRun(payload.runId, payload.functionId);
  // A run that is gone or ended commits nothing more: the item is simply acked.
  if (loaded === null || !isOpen(loaded.meta.status)) return;
  const ref: RunRef = {
    runId: loaded.meta.id,
    functionId: loaded.meta.functionId,
    appId: loaded.meta.appId,
    accountId: loaded.meta.accountId,
  };
  const fail = (error: unknown) =>
    finishRun(ctx, {
      meta: loaded.meta,
      status: 'failed',
      error,
      current: { item, handler },
    });
  if (loaded.functionJson === null)
    return void (await fail(LimitErrors.functionRemoved(ref.functionId)));
  const fn = JSON.parse(loaded.functionJson) as FunctionDefinition;
  if (loaded.meta.stepCount >= RUN_LIMITS.maxSteps)
    return void (await fail(LimitErrors.functionOverflowed(RUN_LIMITS.maxSteps)));
  if (await guardTimeouts(ctx, { loaded, fn, item, handler })) return;
  if (loaded.meta.status === 'scheduled' && item.kind === 'start' && item.attempt === 0)
    ctx.lifecycle.emit('onFunctionStarted', { run: ref });

  const stepId = payload.stepId ?? 'step';
  ctx.lifecycle.emit('onStepStarted', { run: ref, stepId, attempt: item.attempt, url: fn.stepUrl });
  const response = await ctx.driver.execute({
    url: fn.stepUrl,
    stepId,
    body: buildRequestBody(loaded, item, ctx.maxRequestBodyBytes),
    runId: ref.runId,
    jobId: item.id,
    requestVersion: loaded.meta.requestVersion,
    signal: handler.signal,
  });
  ctx.lifecycle.emit('onStepFinished', {
    run: ref,
    stepId,
    attempt: item.attempt,
    outcome: response.kind,
    ops: response.kind === 'ops' ? response.ops.map((o) => o.op) : [],
    durationMs: response.timing.durationMs,
    ...(response.kind === 'error' ? { error: response.error } : {}),
  });
  return await handleResponse(ctx, { item, payload, handler, loaded, fn, ref, response });
}

interface ResponseInput {
  item: QueueItem;
  payload: RunItemPayload;
  handler: HandlerContext;
  loaded: LoadedRun;
  fn: FunctionDefinition;
  ref: RunRef;
  response: SdkResponse;
}

async function handleResponse(
  ctx: ExecutorContext,
  input: ResponseInput,
): Promise<HandlerResult | void> {
  const { item, handler, loaded, response } = input;
  const finish = (status: 'completed' | 'failed', outcome: { result?: unknown; error?: unknown }) =>
    finishRun(ctx, {
      meta: loaded.meta,
      status,
      ...outcome,
      current: { item, handler },
    });
  const lastAttempt = item.attempt + 1 >= item.maxAttempts;
  switch (response.kind) {
    case 'result':
      await finish('completed', { result: response.data ?? null });
      return;
    case 'error':
      if (response.retriable && !lastAttempt)
        throw retryError(response.error.message, response.retryAt, response.reason);
      await finish('failed', { error: response.error });
      return;
    case 'ops': {
      const plan = await planOps(ctx, {
        item,
        payload: input.payload,
        loaded,
        fn: input.fn,
        ref: input.ref,
        ops: response.ops,
        noRetry: response.noRetry,
        retryAt: response.retryAt,
        requestVersion: response.requestVersion,
        sentAt: response.timing.sentAt,
        prefix: stepPrefix(loaded.meta.functionId, loaded.meta.id),
      });
      return await applyPlan(ctx, input, plan, finish);
    }
    default:
      return response satisfies never;
  }
}

function retryError(message: string, retryAt: number | undefined, reason: string): Error {
  const text = `attempt failed (${reason}): ${message}`;
  return retryAt !== undefined ? new RetryAtError(text, retryAt) : new AttemptFailedError(text);
}

async function applyPlan(
  ctx: ExecutorContext,
  input: ResponseInput,
  plan: OpsPlan,
  finish: (s: 'completed' | 'failed', o: { result?: unknown; error?: unknown }) => Promise<boolean>,
): Promise<HandlerResult | void> {
  switch (plan.kind) {
    case 'retry':
      // On the last attempt nothing retries it: the run fails with what was wrong.
      if (input.item.attempt + 1 >= input.item.maxAttempts) {
        await finish('failed', { error: { name: 'Error', message: plan.message } });
        return;
      }
      throw retryError(plan.message, plan.retryAt, 'step error');
    case 'complete':
      await finish('completed', { result: plan.result });
      return;
    case 'fail':
      await finish('failed', { error: plan.error });
      return;
    case 'commit':
      return await commitPlan(ctx, input, plan);
    default:
      return plan satisfies never;
  }
}

/** Commits a plan with the item's ack (one fenced script), and maybe leases the run's next step. */
async function commitPlan(
  ctx: ExecutorContext,
  input: ResponseInput,
  plan: Extract<OpsPlan, { kind: 'commit' }>,
): Promise<HandlerResult | void> {
  const { item, handler, loaded } = input;
  // The run's next step, when due now, may run next in this slot (leased by the commit).
  const candidate = handler.chain ? chainCandidate(plan, ctx.clock.now()) : undefined;
  let chainLease: { id: string; expiresAt: number } | undefined;
  const r = await handler.settle((leaseId) => {
    chainLease = candidate && handler.chain ? handler.chain.newLease() : undefined;
    return ctx.store.commitStep({
      item,
      leaseId,
      entries: plan.entries,
      ...(plan.pending ? { pending: plan.pending } : {}),
      ...(plan.die ? { die: plan.die } : {}),
      ...(plan.requestVersion !== undefined ? { requestVersion: plan.requestVersion } : {}),
      maxStateBytes: RUN_LIMITS.maxStateBytes,
      ...(candidate && chainLease && handler.chain
        ? {
            chain: {
              itemId: candidate.id,
              leaseId: chainLease.id,
              limits: handler.chain.limits,
            },
          }
        : {}),
    });
  });
  switch (r.status) {
    case 'committed':
      for (const after of plan.afterCommit) after();
      if (r.chained && candidate && chainLease)
        return { next: { item: candidate, lease: chainLease } };
      return { scheduledImmediateWork: plan.immediate };
    case 'state-overflow':
      await finishAfterOverflow(ctx, input);
      return;
    case 'memo-conflict':
      ctx.log(
        'warn',
        `run ${loaded.meta.id}: a step already holds a different result; this response is discarded`,
        {
          item: item.id,
        },
      );
      return;
    case 'lease-lost':
      // 'not-found': the item is gone, most often because its run ended (finishRun sweeps
      // the run's items, leased ones too) while this step was in flight.
      ctx.log(
        r.reason === 'not-found' ? 'debug' : 'warn',
        `run ${loaded.meta.id}: item ${item.id} ${r.reason === 'not-found' ? 'was removed' : `lost its lease (${r.reason})`} before its commit; nothing committed`,
      );
      return;
    case 'run-ended':
    case 'run-not-found':
      return;
    default:
      return r satisfies never;
  }
}

/**
 * The first step item of a commit that is due now: what this slot may run next. Not one with
 * custom concurrency keys: the commit's chained lease checks the account and function limits
 * only, so such an item goes through the scanner's lease, which checks its keys.
 */
function chainCandidate(plan: Extract<OpsPlan, { kind: 'commit' }>, now: number) {
  for (const e of plan.entries) {
    if (e.type !== 'item' && e.type !== 'item-if-done') continue;
    const step = e.item.kind === 'edge' || e.item.kind === 'edge-error';
    if (step && e.item.at <= now && e.item.customKeys.length === 0) return e.item;
  }
  return undefined;
}

/** The run's state would pass its limit: it fails with InngestErrStateOverflowed. */
async function finishAfterOverflow(ctx: ExecutorContext, input: ResponseInput): Promise<void> {
  // The commit refused before settling anything, so the lease still holds for the finish.
  await finishRun(ctx, {
    meta: input.loaded.meta,
    status: 'failed',
    error: LimitErrors.stateOverflowed(RUN_LIMITS.maxStateBytes),
    current: { item: input.item, handler: input.handler },
  });
}
