import type { Random } from '../../../core/random.js';
import { leaseIsLive } from '../../lease-liveness.js';
import type { PartitionInfo, PartitionRef } from '../../partition.js';

/** The smallest batch a partition pass plans for. */
export const BATCH_MIN = 16;

/** One partition pass a scan plans: the partition and its share of the free slots. */
export interface Pass {
  partition: PartitionRef;
  /** Items this pass may take from the partition (its fair share of the free slots). */
  budget: number;
}

/** Partitions grouped by account; system queues (no account) form one group. */
export function groupByAccount(partitions: readonly PartitionInfo[]): PartitionInfo[][] {
  const groups = new Map<string, PartitionInfo[]>();
  for (const p of partitions) {
    const key = p.queueName === undefined ? `a:${p.accountId ?? ''}` : 'system';
    const group = groups.get(key) ?? [];
    group.push(p);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Partitions worth a lease attempt at `now`. A forced one (refused for capacity) waits out its
 * force even when the lookahead reaches it, and one another scanner holds waits out that lease
 * (plus the skew grace): trying either would only be refused. A dequeue that frees capacity
 * clears a force.
 */
export function leasable(
  partitions: readonly PartitionInfo[],
  now: number,
  graceMs: number,
): PartitionInfo[] {
  return partitions.filter(
    (p) =>
      (p.forcedUntil === undefined || p.forcedUntil <= now) &&
      (p.leaseId === undefined || !leaseIsLive(p.leaseId, now, graceMs)),
  );
}

export interface PlanInput {
  /** Due partitions, one group per account (see groupByAccount). */
  groups: readonly (readonly PartitionInfo[])[];
  /** Worker slots free for this scan. */
  freeSlots: number;
  random: Random;
  /** The sequential role: keep score order (no shuffles, no reordering). */
  sequential: boolean;
}

/**
 * A scan's passes: the free slots split evenly between the groups (accounts), each group
 * getting a turn before any gets two. Groups and, in every round, the order of groups are
 * shuffled (seeded); within a round, partitions served longest ago go first. A pass plans for
 * at least BATCH_MIN items (slots still cap it), or many partitions would shrink batches to one.
 * Pure: the same input and random sequence give the same plan.
 */
export function planPasses(input: PlanInput): Pass[] {
  const shuffle = <T>(xs: readonly T[]): T[] => shuffled(xs, input.random, input.sequential);
  const nonEmpty = input.groups.filter((g) => g.length > 0).map((g) => shuffle(g));
  const groupBudget = Math.ceil(input.freeSlots / Math.max(1, nonEmpty.length));
  const passes: Pass[] = [];
  for (let round = 0; nonEmpty.some((g) => g.length > round); round++) {
    const roundPasses: Pass[] = [];
    for (const g of shuffle(nonEmpty)) {
      const partition = g[round];
      if (partition)
        roundPasses.push({
          partition,
          budget: Math.max(BATCH_MIN, Math.ceil(groupBudget / g.length)),
        });
    }
    passes.push(...(input.sequential ? roundPasses : leastRecentlyServedFirst(roundPasses)));
  }
  return passes;
}

/**
 * Passes take slots in the order they start, so when slots are short a tenant that was just
 * served (a noisy one with a deep backlog) waits behind one that was not (a small one whose item
 * just arrived). Stable, so the shuffle still breaks ties.
 */
function leastRecentlyServedFirst(passes: Pass[]): Pass[] {
  const last = (p: Pass) => (p.partition as PartitionInfo).lastLeasedAt ?? 0;
  return passes.sort((a, b) => last(a) - last(b));
}

/** A seeded Fisher-Yates shuffle (a copy); unshuffled for the sequential role. */
function shuffled<T>(xs: readonly T[], random: Random, sequential: boolean): T[] {
  if (sequential) return xs as T[];
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
