import { checkIntOption } from '../../core/option-checks.js';
import { LUA_SCRIPTS } from '../lua.generated.js';
import { decodePartition, type PartitionInfo } from '../partition.js';
import type { ShardContext } from './context.js';
import { defineScript } from './script-spec.js';

/** lua/queue/partitionPeek-2.lua */
export const partitionPeekScript = defineScript({
  script: LUA_SCRIPTS.partitionPeek,
  keys: ['index', 'partitions'],
  args: ['untilMs', 'limit', 'offsetFraction'],
  statuses: [],
});

export const PEEK_LIMIT_MAX = 5000;

export interface PointerPeekOptions {
  untilMs: number;
  limit: number;
  /** 'random' starts at a seeded random offset when more are due than `limit`. */
  order: 'score' | 'random';
}

export interface PartitionPeekResult {
  /** How many were due in all (more than returned when over the limit). */
  due: number;
  partitions: PartitionInfo[];
  /** The earliest score in the whole index (due or not), or null when it is empty. */
  earliestScore: number | null;
}

/** Partitions due by untilMs from the global index, or from one account's index. */
export async function peekPartitions(
  ctx: ShardContext,
  opts: PointerPeekOptions & { accountId?: string },
): Promise<PartitionPeekResult> {
  const index =
    opts.accountId === undefined
      ? ctx.keys.globalPartitions()
      : ctx.keys.accountPartitions(opts.accountId);
  const reply = (await partitionPeekScript.run(ctx.transport, {
    keys: { index, partitions: ctx.keys.partitions() },
    args: pointerArgs(ctx, opts),
  })) as [number, string[], string[], (string | null)[], string | number];
  const [due, ids, scores, jsons, earliest] = reply;
  const partitions: PartitionInfo[] = [];
  ids.forEach((id, i) => {
    const json = jsons[i];
    partitions.push(
      json ? decodePartition(json, Number(scores[i])) : { id, score: Number(scores[i]) },
    );
  });
  const next = Number(earliest);
  return { due, partitions, earliestScore: next < 0 ? null : next };
}

/** The window arguments of an index peek; a random order draws its offset from ctx.random. */
export function pointerArgs(
  ctx: ShardContext,
  opts: PointerPeekOptions,
): { untilMs: number; limit: number; offsetFraction: number } {
  checkIntOption('limit', opts.limit, 1, PEEK_LIMIT_MAX);
  checkIntOption('untilMs', opts.untilMs);
  const offsetFraction = opts.order === 'random' ? ctx.random.next() : -1;
  return { untilMs: opts.untilMs, limit: opts.limit, offsetFraction };
}
