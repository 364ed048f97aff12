import type { Opcode } from '../driver/opcodes.js';
import type { QueueItem } from '../queue/item.js';
import type { CommitEntry } from '../state/shard/commitStep.js';
import type { LoadedRun } from '../state/shard/loadRun.js';
import type { ExecutorContext } from './context.js';
import type { FunctionDefinition } from './function-config.js';
import type { RunItemPayload } from './item-payload.js';
import { coalesceKeyOf, JobIds } from './job-ids.js';
import type { RunRef } from './lifecycle.js';
import type { RunIdentity } from './run-items.js';
import { buildRunItem, identityOf } from './run-items.js';
import { stepRecordOf } from './step-record.js';

/** What a 206 asks for, decided before anything is written. */
export type OpsPlan =
  /** A retriable step error: the same item runs again (nothing committed). */
  | { kind: 'retry'; message: string; retryAt?: number }
  | { kind: 'complete'; result: unknown }
  /** Fail early (a limit, a bad expression): the run ends as Failed. */
  | { kind: 'fail'; error: unknown }
  | {
      kind: 'commit';
      entries: CommitEntry[];
      pending?: string[];
      die?: '0' | '1' | 'reset-if-done';
      requestVersion?: number;
      /** It enqueued work due now: the partition is worth a continuation. */
      immediate: boolean;
      /** Lifecycle events to fire once the commit landed. */
      afterCommit: (() => void)[];
    };

export interface OpsInput {
  item: QueueItem;
  payload: RunItemPayload;
  loaded: LoadedRun;
  fn: FunctionDefinition;
  ref: RunRef;
  ops: readonly Opcode[];
  noRetry: boolean;
  retryAt: number | undefined;
  requestVersion: number | undefined;
  sentAt: number;
  prefix: string;
}

/** A parallel group's marks, carried by its items and pauses. */
export interface Group {
  coalesceKey?: string;
  parallelMode?: string;
}

/** The commit one response builds up, op by op (see planOps). */
export class PlanBuilder {
  readonly now: number;
  readonly runId: string;
  readonly identity: RunIdentity;
  readonly entries: CommitEntry[] = [];
  readonly afterCommit: (() => void)[] = [];
  die: '0' | '1' | 'reset-if-done' | undefined;
  /** The coalesce key of this response's parallel plan, when it is one. */
  readonly batchKey: string | undefined;

  constructor(
    readonly ctx: ExecutorContext,
    readonly input: OpsInput,
    readonly work: readonly Opcode[],
  ) {
    const { loaded } = input;
    this.now = ctx.clock.now();
    this.runId = loaded.meta.id;
    this.identity = identityOf(loaded.meta);
    const parallel = work.length > 1;
    this.die = parallel && !loaded.meta.die ? '1' : undefined;
    const planned = parallel && work.some((o) => o.op === 'StepPlanned');
    this.batchKey = planned
      ? coalesceKeyOf(
          this.runId,
          work.map((o) => o.id),
        )
      : undefined;
  }

  get lastAttempt(): boolean {
    return this.input.item.attempt + 1 >= this.input.item.maxAttempts;
  }

  record(op: Opcode, failed = false) {
    return stepRecordOf(op, this.input.sentAt, this.now, this.input.item.attempt + 1, failed);
  }

  /** The group an op belongs to: the plan this item executes a step of, or this response's. */
  groupOf(op: Opcode): Group {
    const { payload } = this.input;
    const own = payload.stepId !== undefined && payload.stepId === op.id;
    const key = own ? payload.coalesceKey : this.batchKey;
    const mode = own ? payload.parallelMode : stringOpt(op.opts, 'parallelMode');
    return {
      ...(key !== undefined ? { coalesceKey: key } : {}),
      ...(mode !== undefined ? { parallelMode: mode } : {}),
    };
  }

  /**
   * A step that completed here continues the run: through its plan's coalesced discovery (the
   * last to finish enqueues it) when it belongs to one, else a discovery of its own.
   */
  continueAfter(op: Opcode, kind: 'edge' | 'edge-error'): void {
    const group = this.groupOf(op);
    if (group.coalesceKey !== undefined && group.parallelMode !== 'race') {
      const jobId = JobIds.coalescedDiscovery(this.runId, group.coalesceKey);
      this.entries.push({ type: 'item-if-done', item: this.item('edge', jobId, {}) });
      this.die = 'reset-if-done';
      return;
    }
    const { prefix } = this.input;
    const jobId =
      kind === 'edge'
        ? JobIds.discoveryAfter(prefix, op.id)
        : JobIds.failureDiscovery(prefix, op.id);
    this.entries.push({ type: 'item', item: this.item(kind, jobId, {}) });
    // A discovery outside a parallel plan may run a lone new step inline again (Inngest resets
    // the flag before every discovery); a race keeps it while its other branches run.
    if (this.input.loaded.meta.die && this.work.length === 1 && group.parallelMode !== 'race')
      this.die ??= '0';
  }

  item(
    kind: QueueItem['kind'],
    jobId: string,
    payload: Omit<RunItemPayload, 'runId' | 'functionId'>,
    at?: number,
  ): QueueItem {
    return buildRunItem(this.ctx, kind, jobId, this.identity, payload, at);
  }

  /** The finished plan: a commit of everything gathered. */
  commit(): OpsPlan {
    const { entries, now } = this;
    const plan: OpsPlan = {
      kind: 'commit',
      entries,
      immediate: entries.some(
        (e) => (e.type === 'item' || e.type === 'item-if-done') && e.item.at <= now,
      ),
      afterCommit: this.afterCommit,
    };
    if (this.batchKey !== undefined) plan.pending = this.work.map((o) => o.id);
    if (this.die !== undefined) plan.die = this.die;
    const { loaded, requestVersion } = this.input;
    if (loaded.meta.requestVersion === -1 && requestVersion !== undefined)
      plan.requestVersion = requestVersion;
    return plan;
  }
}

export function stringOpt(
  opts: Record<string, unknown> | undefined,
  key: string,
): string | undefined {
  const v = opts?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function errorMessage(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return JSON.stringify(error);
}
