import { unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { fenceRefusal, isFenceRefusal, type FenceRefusal } from '../../queue/status.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { Pause } from '../pause.js';
import type { StepRecord } from '../run.js';
import { queueItemArgs, queueItemKeys, runScriptKeys, type StateContext } from './context.js';

/** lua/state/resumePause-23.lua */
export const resumePauseScript = defineScript({
  script: LUA_SCRIPTS.resumePause,
  keys: [
    'pauses',
    'pauseIndex',
    'invokes',
    'runPauses',
    'meta',
    'memo',
    'stack',
    'pending',
    'runItems',
    'steps',
    'items',
    'leases',
    'ready',
    'leased',
    'scavenger',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
    'inProgressAccount',
    'inProgressPartition',
    'timeoutTombstone',
    'continuationTombstone',
  ],
  args: [
    'pauseId',
    'memoJson',
    'recordJson',
    'now',
    'mode',
    'leaseId',
    'timeoutItemId',
    'partitionId',
    'accountId',
    'wakeChannel',
    'graceMs',
    'tombstoneTtlMs',
    'continuationId',
    'continuationJson',
    'continuationScore',
    'partitionJson',
  ],
  statuses: [
    'OK',
    'NOT_FOUND',
    'LEASE_MISMATCH',
    'LEASE_EXPIRED',
    'NOT_LEASED',
    'RUN_ENDED',
    'MEMO_CONFLICT',
    'PAUSE_GONE',
  ],
});

export interface ResumeInput {
  pause: Pause;
  memoJson: string;
  record: StepRecord;
  /** The timeout item (its ID is in the pause); with a lease when the timeout fires. */
  timeoutItem: QueueItem;
  /** Set when the timeout item itself resumes (mode 'timeout'). */
  leaseId?: string;
  continuation: QueueItem;
}

export type ResumeResult =
  | { status: 'resumed'; hasPending: boolean }
  | { status: 'lease-lost'; reason: FenceRefusal }
  | { status: 'run-ended' | 'memo-conflict' | 'pause-gone' };

export async function resumePause(ctx: StateContext, input: ResumeInput): Promise<ResumeResult> {
  const { pause, timeoutItem, continuation } = input;
  const run = runScriptKeys(ctx, pause.runId);
  const q = queueItemKeys(ctx, timeoutItem);
  const a = queueItemArgs(ctx, timeoutItem);
  const reply = (await resumePauseScript.run(ctx.shard.transport, {
    keys: {
      pauses: run.pauses,
      pauseIndex:
        pause.kind === 'invoke' ? ctx.keys.placeholder() : ctx.keys.pauseIndex(pause.event),
      invokes: run.invokes,
      runPauses: run.runPauses,
      meta: run.meta,
      memo: run.memo,
      stack: run.stack,
      pending: run.pending,
      runItems: run.runItems,
      steps: run.steps,
      items: q.items,
      leases: q.leases,
      ready: q.ready,
      leased: q.leased,
      scavenger: q.scavenger,
      partitions: q.partitions,
      globalPartitions: q.globalPartitions,
      accounts: q.accounts,
      accountPartitions: q.accountPartitions,
      inProgressAccount: q.inProgressAccount,
      inProgressPartition: q.inProgressPartition,
      timeoutTombstone: q.tombstone,
      continuationTombstone: ctx.shard.keys.tombstone(continuation.id),
    },
    args: {
      // partitionId, accountId, wakeChannel, graceMs, tombstoneTtlMs, partitionJson
      ...a,
      pauseId: pause.id,
      memoJson: input.memoJson,
      recordJson: JSON.stringify(input.record),
      now: ctx.shard.clock.now(),
      mode: input.leaseId === undefined ? 'event' : 'timeout',
      leaseId: input.leaseId ?? '',
      timeoutItemId: timeoutItem.id,
      continuationId: continuation.id,
      continuationJson: encodeItem(continuation),
      continuationScore: continuation.score,
    },
  })) as [number, number?];
  const status = resumePauseScript.status(reply[0]);
  if (isFenceRefusal(status)) return { status: 'lease-lost', reason: fenceRefusal(status) };
  switch (status) {
    case 'OK':
      return { status: 'resumed', hasPending: reply[1] === 1 };
    case 'RUN_ENDED':
      return { status: 'run-ended' };
    case 'MEMO_CONFLICT':
      return { status: 'memo-conflict' };
    case 'PAUSE_GONE':
      return { status: 'pause-gone' };
    default:
      return unreachable(status, 'resumePause status');
  }
}
