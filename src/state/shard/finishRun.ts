import { unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { fenceRefusal, isFenceRefusal, type FenceRefusal } from '../../queue/status.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { Pause } from '../pause.js';
import { queueItemArgs, queueItemKeys, runScriptKeys, type StateContext } from './context.js';

/** lua/state/finishRun-n.lua */
export const finishRunScript = defineScript({
  script: LUA_SCRIPTS.finishRun,
  keys: [
    'meta',
    'memo',
    'stack',
    'pending',
    'runItems',
    'runPauses',
    'pauses',
    'invokes',
    'events',
    'steps',
    'idempotency',
    'items',
    'leases',
    'ready',
    'leased',
    'scavenger',
    'tombstone',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
    'inProgressAccount',
    'inProgressPartition',
    'finishTombstone',
    'inProgressCustom1',
    'inProgressCustom2',
    'singleton',
  ],
  args: [
    'itemId',
    'partitionId',
    'leaseId',
    'now',
    'tombstoneTtlMs',
    'accountId',
    'wakeChannel',
    'graceMs',
    'status',
    'resultJson',
    'errorJson',
    'retentionMs',
    'finishItemId',
    'finishItemJson',
    'finishItemScore',
    'partitionJson',
    'count',
    'cancelReason',
  ],
  statuses: [
    'OK',
    'NOT_FOUND',
    'LEASE_MISMATCH',
    'LEASE_EXPIRED',
    'NOT_LEASED',
    'RUN_NOT_FOUND',
    'RUN_ENDED',
  ],
  keysPerEntry: ['pauseIndex'],
  argsPerEntry: ['pauseId'],
  countArg: 'count',
});

export interface FinishInput {
  runId: string;
  idempotencyKey: string;
  status: 'completed' | 'failed' | 'cancelled';
  resultJson?: string;
  errorJson?: string;
  retentionMs: number;
  /** The caller's leased item (acked with the finish), or none (a cancellation from outside). */
  current?: { item: QueueItem; leaseId: string };
  /** The item that emits the terminal events; it also locates the run's partition. */
  finishItem: QueueItem;
  /**
   * A step item of the run, for the custom concurrency keys its step items hold (all share the
   * run's flow): their slots are released with the items swept. Default: `current`'s item.
   */
  keyedItem?: QueueItem;
  /** The run's pauses as last read (their event indexes are cleaned now; others lazily). */
  pauses: readonly Pause[];
  /** The singleton lock the run took at its creation (released if it still holds it). */
  singletonLock?: string;
  /** Why a cancelled run was cancelled (stored as its `cancel_reason`). */
  cancelReason?: string;
}

export type FinishResult =
  | { status: 'finished' }
  | { status: 'lease-lost'; reason: FenceRefusal }
  | { status: 'run-not-found' | 'run-ended' };

export async function finishRun(ctx: StateContext, input: FinishInput): Promise<FinishResult> {
  const located = input.current?.item ?? input.finishItem;
  const a = queueItemArgs(ctx, located);
  const reply = (await finishRunScript.run(ctx.shard.transport, {
    keys: finishKeys(ctx, input),
    args: {
      // partitionId, accountId, wakeChannel, graceMs, tombstoneTtlMs, partitionJson
      ...a,
      itemId: input.current?.item.id ?? '',
      leaseId: input.current?.leaseId ?? '',
      now: ctx.shard.clock.now(),
      status: input.status,
      resultJson: input.resultJson ?? '',
      errorJson: input.errorJson ?? '',
      retentionMs: input.retentionMs,
      finishItemId: input.finishItem.id,
      finishItemJson: encodeItem(input.finishItem),
      finishItemScore: input.finishItem.score,
      count: input.pauses.filter((p) => p.kind !== 'invoke').length,
      cancelReason: input.cancelReason ?? '',
    },
    entries: input.pauses
      .filter((p) => p.kind !== 'invoke')
      .map((p) => ({
        keys: { pauseIndex: ctx.keys.pauseIndex(p.event) },
        args: { pauseId: p.id },
      })),
  })) as [number];
  const status = finishRunScript.status(reply[0]);
  if (isFenceRefusal(status)) return { status: 'lease-lost', reason: fenceRefusal(status) };
  switch (status) {
    case 'OK':
      return { status: 'finished' };
    case 'RUN_NOT_FOUND':
      return { status: 'run-not-found' };
    case 'RUN_ENDED':
      return { status: 'run-ended' };
    default:
      return unreachable(status, 'finishRun status');
  }
}

function finishKeys(ctx: StateContext, input: FinishInput) {
  const run = runScriptKeys(ctx, input.runId);
  const q = queueItemKeys(ctx, input.current?.item ?? input.finishItem);
  const keyed = queueItemKeys(ctx, input.keyedItem ?? input.current?.item ?? input.finishItem);
  return {
    meta: run.meta,
    memo: run.memo,
    stack: run.stack,
    pending: run.pending,
    runItems: run.runItems,
    runPauses: run.runPauses,
    pauses: run.pauses,
    invokes: run.invokes,
    events: run.events,
    steps: run.steps,
    idempotency: ctx.keys.idempotency(input.idempotencyKey),
    items: q.items,
    leases: q.leases,
    ready: q.ready,
    leased: q.leased,
    scavenger: q.scavenger,
    tombstone: input.current ? q.tombstone : ctx.keys.placeholder(),
    partitions: q.partitions,
    globalPartitions: q.globalPartitions,
    accounts: q.accounts,
    accountPartitions: q.accountPartitions,
    inProgressAccount: q.inProgressAccount,
    inProgressPartition: q.inProgressPartition,
    finishTombstone: ctx.shard.keys.tombstone(input.finishItem.id),
    inProgressCustom1: keyed.inProgressCustom1,
    inProgressCustom2: keyed.inProgressCustom2,
    singleton:
      input.singletonLock === undefined
        ? ctx.keys.placeholder()
        : ctx.keys.singleton(input.singletonLock),
  };
}
