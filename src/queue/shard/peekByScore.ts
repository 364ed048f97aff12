import { LUA_SCRIPTS } from '../lua.generated.js';
import type { ShardContext } from './context.js';
import { pointerArgs, type PointerPeekOptions } from './partitionPeek.js';
import { defineScript } from './script-spec.js';

/** lua/queue/peekByScore-1.lua */
export const peekByScoreScript = defineScript({
  script: LUA_SCRIPTS.peekByScore,
  keys: ['index'],
  args: ['untilMs', 'limit', 'offsetFraction'],
  statuses: [],
});

export interface IndexPeek {
  /** How many members were due in all (more than returned when over the limit). */
  due: number;
  ids: string[];
  scores: number[];
}

/** Members of a sorted-set index due by `untilMs` ('+inf': all), at most `limit`. */
export async function peekIndex(
  ctx: ShardContext,
  index: string,
  untilMs: number | '+inf',
  limit: number,
  offsetFraction: number,
): Promise<IndexPeek> {
  const [due, ids, scores] = (await peekByScoreScript.run(ctx.transport, {
    keys: { index },
    args: { untilMs, limit, offsetFraction },
  })) as [number, string[], string[]];
  return { due, ids, scores: scores.map(Number) };
}

/** Accounts with a partition due by untilMs. */
export async function peekAccounts(
  ctx: ShardContext,
  opts: PointerPeekOptions,
): Promise<{ due: number; accounts: { id: string; score: number }[] }> {
  const a = pointerArgs(ctx, opts);
  const r = await peekIndex(ctx, ctx.keys.accounts(), a.untilMs, a.limit, a.offsetFraction);
  return { due: r.due, accounts: r.ids.map((id, i) => ({ id, score: r.scores[i] as number })) };
}

/** The earliest score in the global partition index (ms), or null when the shard is empty. */
export async function nextDueAt(ctx: ShardContext): Promise<number | null> {
  const { scores } = await peekIndex(ctx, ctx.keys.globalPartitions(), '+inf', 1, -1);
  return scores.length === 0 ? null : (scores[0] as number);
}
