import { UnknownVersionError } from '../core/errors.js';

/** A partition: a function's ready queue, or a system queue by name. */
export interface PartitionRef {
  /** 'fn:<accountId>:<functionId>' or 'sys:<queueName>'. */
  id: string;
  /** The account whose indexes list it; none for system queues. */
  accountId?: string;
  functionId?: string;
  envId?: string;
  queueName?: string;
}

/** A partition as a peek sees it. */
export interface PartitionInfo extends PartitionRef {
  /** Its score in the index it was peeked from, ms. */
  score: number;
  leaseId?: string;
  lastLeasedAt?: number;
  forcedUntil?: number;
  /** Some item of it carried a custom concurrency key or a throttle (see partitionPass). */
  constrained?: boolean;
}

/**
 * A function partition is keyed by account and function, so two accounts that happen to share a
 * function ID never share a partition, a limit or a throttle. IDs hold no ':', so this parses.
 */
export function functionScopeId(accountId: string, functionId: string): string {
  return `${accountId}:${functionId}`;
}

export function functionPartitionId(accountId: string, functionId: string): string {
  return `fn:${functionScopeId(accountId, functionId)}`;
}

export function systemPartitionId(queueName: string): string {
  return `sys:${queueName}`;
}

/** The schema version written into every stored partition (`v`); see decodePartition. */
export const PARTITION_VERSION = 1;
const PARTITION_VERSIONS: readonly number[] = [PARTITION_VERSION];

/**
 * The stored JSON. Identity fields have short names (the partition hash holds one per
 * partition); the fields Lua edits carry the names TypeScript uses for them.
 */
interface StoredPartition {
  /** Schema version: refused on read when unknown (lua/includes/decode_partition.lua too). */
  v: number;
  id: string;
  /** accountId, functionId, envId, queueName. */
  a?: string;
  f?: string;
  e?: string;
  q?: string;
  /** 1: an item with custom keys or a throttle was enqueued here (PartitionInfo.constrained). */
  c?: number;
  /** The scanner's partition lease, while one holds it. */
  leaseId?: string;
  /** When a scanner last leased or passed it, ms. */
  lastLeasedAt?: number;
  /** A forced hand-back keeps the pointer at this time, ms (see partitionRequeue). */
  forcedUntil?: number;
  /** Capacity was freed while it was leased: its holder's forced hand-back is not forced. */
  freed?: boolean;
}

export function encodePartition(p: PartitionRef, constrained = false): string {
  const stored: StoredPartition = {
    v: PARTITION_VERSION,
    id: p.id,
    a: p.accountId,
    f: p.functionId,
    e: p.envId,
    q: p.queueName,
    c: constrained ? 1 : undefined,
  };
  return JSON.stringify(stored);
}

/** Reads a stored partition; UnknownVersionError when its schema version is not known here. */
export function decodePartition(json: string, score: number): PartitionInfo {
  const s = JSON.parse(json) as StoredPartition;
  if (!PARTITION_VERSIONS.includes(s.v))
    throw new UnknownVersionError('partition', s.v, PARTITION_VERSIONS);
  const info: PartitionInfo = { id: s.id, score };
  if (s.a !== undefined) info.accountId = s.a;
  if (s.f !== undefined) info.functionId = s.f;
  if (s.e !== undefined) info.envId = s.e;
  if (s.q !== undefined) info.queueName = s.q;
  if (s.leaseId !== undefined) info.leaseId = s.leaseId;
  if (s.lastLeasedAt !== undefined) info.lastLeasedAt = s.lastLeasedAt;
  if (s.forcedUntil !== undefined) info.forcedUntil = s.forcedUntil;
  if (s.c) info.constrained = true;
  return info;
}
