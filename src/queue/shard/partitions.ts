import { leaseId as newLeaseId } from '../../core/ulid.js';
import { checkIntOption } from '../../core/option-checks.js';
import { decodePartition, type PartitionInfo, type PartitionRef } from '../partition.js';
import {
  partitionIndexKeys,
  partitionKeys,
  scriptAccountId,
  type ShardContext,
} from './context.js';
import { decodeStatus } from '../status.js';

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

export type PartitionLeaseResult =
  | { ok: true; leaseId: string; expiresAt: number; previousLeasedAt: number }
  | { ok: false; reason: 'not-found' | 'already-leased' };

export type PartitionRequeueResult = 'ok' | 'not-found' | 'lease-mismatch' | 'garbage-collected';

export interface PartitionRequeueOptions {
  at: number;
  /** Keep the pointer at `at` even if earlier work arrives (limits hit); default false. */
  force?: boolean;
  /** Fence by the scanner's partition lease; omitted = unfenced. */
  leaseId?: string;
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
  const keys = [index, ctx.keys.partitions()] as const;
  const reply = (await ctx.transport.runScript('partitionPeek', keys, pointerArgs(ctx, opts))) as [
    number,
    string[],
    string[],
    (string | null)[],
    string | number,
  ];
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

/** Accounts with a partition due by untilMs. */
export async function peekAccounts(
  ctx: ShardContext,
  opts: PointerPeekOptions,
): Promise<{ due: number; accounts: { id: string; score: number }[] }> {
  const reply = (await ctx.transport.runScript(
    'peekByScore',
    [ctx.keys.accounts()],
    pointerArgs(ctx, opts),
  )) as [number, string[], string[]];
  const [due, ids, scores] = reply;
  return { due, accounts: ids.map((id, i) => ({ id, score: Number(scores[i]) })) };
}

export async function leasePartition(
  ctx: ShardContext,
  partition: PartitionRef,
  durationMs: number,
): Promise<PartitionLeaseResult> {
  checkIntOption('durationMs', durationMs, 1);
  const now = ctx.clock.now();
  const expiresAt = now + durationMs;
  const lease = newLeaseId(expiresAt, ctx.random);
  const keys = [...partitionIndexKeys(ctx, partitionKeys(ctx, partition))] as const;
  const args = [partition.id, lease, now, scriptAccountId(partition), ctx.graceMs];
  const [code, previous] = (await ctx.transport.runScript('partitionLease', keys, args)) as [
    number,
    number?,
  ];
  const status = decodeStatus('partitionLease', code, ['OK', 'NOT_FOUND', 'ALREADY_LEASED']);
  if (status === 'OK')
    return { ok: true, leaseId: lease, expiresAt, previousLeasedAt: previous ?? 0 };
  return { ok: false, reason: status === 'NOT_FOUND' ? 'not-found' : 'already-leased' };
}

export async function requeuePartition(
  ctx: ShardContext,
  partition: PartitionRef,
  opts: PartitionRequeueOptions,
): Promise<PartitionRequeueResult> {
  checkIntOption('at', opts.at);
  const pk = partitionKeys(ctx, partition);
  const keys = [...partitionIndexKeys(ctx, pk), pk.ready, pk.leased] as const;
  const args = [
    partition.id,
    opts.leaseId ?? '',
    opts.at,
    opts.force ? 1 : 0,
    ctx.clock.now(),
    scriptAccountId(partition),
    ctx.keys.wakeChannel(),
  ];
  const code = await ctx.transport.runScript('partitionRequeue', keys, args);
  const status = decodeStatus('partitionRequeue', code, [
    'OK',
    'NOT_FOUND',
    'LEASE_MISMATCH',
    'GARBAGE_COLLECTED',
  ]);
  const labels = {
    OK: 'ok',
    NOT_FOUND: 'not-found',
    LEASE_MISMATCH: 'lease-mismatch',
    GARBAGE_COLLECTED: 'garbage-collected',
  } as const;
  return labels[status];
}

function pointerArgs(ctx: ShardContext, opts: PointerPeekOptions): (string | number)[] {
  checkIntOption('limit', opts.limit, 1, PEEK_LIMIT_MAX);
  checkIntOption('untilMs', opts.untilMs);
  return [opts.untilMs, opts.limit, opts.order === 'random' ? ctx.random.next() : -1];
}
