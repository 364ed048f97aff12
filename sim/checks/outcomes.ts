import { expectedOutcome, MAX_ATTEMPTS } from '../workload.js';
import type { Checker, CheckContext } from './checker.js';
import type { CallEvent } from './events.js';

/**
 * Contract point 8 and the plan of every item: an attempt is consumed only by a failure, the
 * counter never goes back, an item ends once (a second dequeue is a second home: 'single-home'),
 * and it ends as its plan says (completed at its first ok, failed at a fatal or out of attempts).
 * Keeps the fate of each item in the item ledger, and counts duplicate completions.
 */
export class OutcomeChecker implements Checker {
  duplicates = 0;
  readonly dequeuedPerAccount = new Map<string, number>();

  before(process: string, e: CallEvent, ctx: CheckContext): void {
    if (e.type !== 'fenced' || e.op !== 'dequeue') return;
    if (ctx.items.get(e.itemId)?.terminal)
      ctx.fail('single-home', `${e.itemId} dequeued twice (by ${process}, lease ${e.leaseId})`);
  }

  after(_process: string, e: CallEvent, ctx: CheckContext): void {
    if (e.type !== 'fenced') return;
    const item = ctx.items.get(e.itemId);
    if (!item || item.terminal) return;
    if (e.op === 'dequeue') {
      item.terminalLease = e.leaseId;
      const planned = item.plan[Math.min(item.attempt, item.plan.length - 1)]!;
      item.terminal = planned.outcome === 'ok' ? 'completed' : 'failed';
      const a = item.accountId;
      this.dequeuedPerAccount.set(a, (this.dequeuedPerAccount.get(a) ?? 0) + 1);
      const retriable = planned.outcome === 'error' || planned.outcome === 'retry-at';
      if (retriable && item.attempt + 1 < MAX_ATTEMPTS) {
        ctx.fail(
          'retries',
          `${e.itemId} ended after a retriable failure at attempt ${item.attempt} of ${MAX_ATTEMPTS}`,
        );
      }
      const expected = expectedOutcome(item.plan);
      if (item.terminal !== expected)
        ctx.fail('retries', `${e.itemId} ended ${item.terminal}, its plan says ${expected}`);
    } else if (e.op === 'requeue') {
      item.score = e.at ?? item.score;
      item.attempt += e.attemptIncrement ?? 0;
      if ((e.attemptIncrement ?? 0) > 0 && item.attempt > item.failures) {
        ctx.fail(
          'retries',
          `${e.itemId}: requeue consumed attempt ${item.attempt} after ${item.failures} failed attempts`,
        );
      }
    }
  }

  handlerStarted(id: string, attempt: number, ctx: CheckContext): void {
    const item = ctx.items.get(id);
    if (!item) return ctx.fail('no-loss', `handler ran ${id}, which was never enqueued`);
    if (attempt > item.failures) {
      ctx.fail(
        'retries',
        `${id} runs attempt ${attempt} after only ${item.failures} failed attempts (an attempt was consumed without a failure)`,
      );
    }
    if (attempt < item.lastAttempt)
      ctx.fail('retries', `${id} attempt went back from ${item.lastAttempt} to ${attempt}`);
    item.lastAttempt = attempt;
  }

  handlerEnded(id: string, attempt: number, outcome: string, ctx: CheckContext): void {
    const item = ctx.items.get(id);
    if (!item) return;
    if (outcome === 'ok') {
      item.completions++;
      if (item.completions > 1) this.duplicates++;
    } else if (outcome !== 'fatal' && attempt + 1 > item.failures) {
      item.failures = attempt + 1;
    }
  }

  permanentFailure(
    id: string,
    attempt: number,
    max: number,
    retriable: boolean,
    ctx: CheckContext,
  ) {
    if (retriable && attempt + 1 < max)
      ctx.fail('retries', `${id} failed permanently with attempts left`);
  }
}
