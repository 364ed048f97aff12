import { unreachable } from '../../core/assert.js';
import { encodeItem, type QueueItem } from '../../queue/item.js';
import { defineScript } from '../../queue/shard/script-spec.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { queueItemArgs, queueItemKeys, type StateContext } from './context.js';

/** lua/state/startRun-9.lua */
export const startRunScript = defineScript({
  script: LUA_SCRIPTS.startRun,
  keys: [
    'meta',
    'runItems',
    'items',
    'tombstone',
    'ready',
    'partitions',
    'globalPartitions',
    'accounts',
    'accountPartitions',
  ],
  args: [
    'now',
    'itemId',
    'itemJson',
    'score',
    'partitionId',
    'partitionJson',
    'accountId',
    'wakeChannel',
    'graceMs',
  ],
  statuses: ['OK', 'RUN_NOT_FOUND', 'RUN_ENDED'],
});

export interface StartRunInput {
  runId: string;
  /** Any item of the run (it locates the run's partition): the caller's own, as a rule. */
  located: QueueItem;
  /** The finish-timeout cancel item, enqueued when this call marks the run started. */
  cancelItem?: QueueItem;
  /** The start time to record, ms (the caller's clock: its cancel item's time counts from it). */
  now: number;
}

export type StartRunResult =
  | { status: 'started'; startedAt: number; now: boolean }
  | { status: 'run-not-found' | 'run-ended' };

/** Marks the run started (once), with its finish-timeout cancel item. */
export async function startRun(ctx: StateContext, input: StartRunInput): Promise<StartRunResult> {
  const item = input.cancelItem ?? input.located;
  const q = queueItemKeys(ctx, item);
  const reply = (await startRunScript.run(ctx.shard.transport, {
    keys: {
      meta: ctx.keys.meta(input.runId),
      runItems: ctx.keys.runItems(input.runId),
      items: q.items,
      tombstone: input.cancelItem ? q.tombstone : ctx.keys.placeholder(),
      ready: q.ready,
      partitions: q.partitions,
      globalPartitions: q.globalPartitions,
      accounts: q.accounts,
      accountPartitions: q.accountPartitions,
    },
    args: {
      // partitionId, accountId, wakeChannel, graceMs, partitionJson (the spec takes what it names)
      ...queueItemArgs(ctx, item),
      now: input.now,
      itemId: input.cancelItem?.id ?? '',
      itemJson: input.cancelItem ? encodeItem(input.cancelItem) : '',
      score: input.cancelItem?.score ?? 0,
    },
  })) as [number, string?, number?];
  const status = startRunScript.status(reply[0]);
  switch (status) {
    case 'OK':
      return { status: 'started', startedAt: Number(reply[1]), now: reply[2] === 1 };
    case 'RUN_NOT_FOUND':
      return { status: 'run-not-found' };
    case 'RUN_ENDED':
      return { status: 'run-ended' };
    default:
      return unreachable(status, 'startRun status');
  }
}
