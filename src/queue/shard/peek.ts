import { decodeItem, type QueueItem } from '../item.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import type { PartitionRef } from '../partition.js';
import { partitionKeys, type ShardContext } from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/peek-2.lua */
export const peekScript = defineScript({
  script: LUA_SCRIPTS.peek,
  keys: ['ready', 'items'],
  args: ['untilMs', 'limit'],
  statuses: [],
});

export interface PeekedItem {
  item: QueueItem;
  score: number;
}

/** Ready items of a partition due by untilMs, in score order (leased items are never ready). */
export async function peekItems(
  ctx: ShardContext,
  partition: PartitionRef,
  untilMs: number,
  limit: number,
): Promise<PeekedItem[]> {
  const reply = (await peekScript.run(ctx.transport, {
    keys: { ready: partitionKeys(ctx, partition).ready, items: ctx.keys.items() },
    args: { untilMs, limit },
  })) as [string[], (string | null)[], string[]];
  const [ids, jsons, scores] = reply;
  const out: PeekedItem[] = [];
  ids.forEach((_, i) => {
    const json = jsons[i];
    // A ready entry without an item cannot arise from our scripts; skip it rather than crash.
    if (json) out.push({ item: decodeItem(json), score: Number(scores[i]) });
  });
  return out;
}
