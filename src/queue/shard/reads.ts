import { decodeItem, type QueueItem } from '../item.js';
import type { ShardContext } from './context.js';

/** The stored item, or null. */
export async function getItem(ctx: ShardContext, id: string): Promise<QueueItem | null> {
  const json = await ctx.transport.hget(ctx.keys.items(), id);
  return json === null ? null : decodeItem(json);
}

/** The item's current lease ID (possibly expired), or null. */
export async function getLeaseId(ctx: ShardContext, id: string): Promise<string | null> {
  return await ctx.transport.hget(ctx.keys.leases(), id);
}
