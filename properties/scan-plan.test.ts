import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BATCH_MIN,
  groupByAccount,
  planPasses,
  seededRandom,
  type PartitionInfo,
  type Pass,
} from '../src/internal.js';
import { propertyParams } from './settings.js';

/**
 * The scanner's planning, a pure function: due partitions grouped by account, the free slots and
 * a seeded random in, the scan's passes out. No Redis: hundreds of cases in milliseconds.
 */
const partitionsArb = fc
  .array(
    fc.record({
      account: fc.integer({ min: 0, max: 5 }),
      lastLeasedAt: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      system: fc.boolean(),
    }),
    { maxLength: 40 },
  )
  .map((ps) =>
    ps.map((p, i): PartitionInfo => {
      const info: PartitionInfo = p.system
        ? { id: `sys:q${i}`, queueName: `q${i}`, score: 0 }
        : { id: `fn:a${p.account}:f${i}`, accountId: `a${p.account}`, score: 0 };
      if (p.lastLeasedAt !== undefined) info.lastLeasedAt = p.lastLeasedAt;
      return info;
    }),
  );

const groupOf = (p: PartitionInfo) => (p.queueName !== undefined ? 'system' : p.accountId);

function plan(partitions: PartitionInfo[], freeSlots: number, seed: number, sequential = false) {
  const groups = groupByAccount(partitions);
  const passes = planPasses({ groups, freeSlots, random: seededRandom(seed), sequential });
  return { groups, passes };
}

/** The round of each pass: its index among its group's passes. */
function rounds(passes: Pass[]): number[] {
  const seen = new Map<string, number>();
  return passes.map((p) => {
    const g = groupOf(p.partition as PartitionInfo) ?? '';
    const r = seen.get(g) ?? 0;
    seen.set(g, r + 1);
    return r;
  });
}

describe('scan planning (planPasses)', () => {
  it('plans each due partition once, a round at a time, with fair budgets', () => {
    fc.assert(
      fc.property(partitionsArb, fc.integer({ min: 0, max: 500 }), fc.nat(), (ps, free, seed) => {
        const { groups, passes } = plan(ps, free, seed);
        // Every partition exactly once, nothing invented.
        expect(passes.map((p) => p.partition.id).sort()).toEqual(ps.map((p) => p.id).sort());
        // Each group gets a turn before any gets two: rounds never go back.
        const r = rounds(passes);
        for (let i = 1; i < r.length; i++) expect(r[i]).toBeGreaterThanOrEqual(r[i - 1]!);
        // Within a round, partitions served longest ago go first.
        for (let i = 1; i < passes.length; i++) {
          if (r[i] !== r[i - 1]) continue;
          const last = (p: Pass) => (p.partition as PartitionInfo).lastLeasedAt ?? 0;
          expect(last(passes[i]!)).toBeGreaterThanOrEqual(last(passes[i - 1]!));
        }
        // Budgets: the group's even share of the slots over its partitions, at least BATCH_MIN.
        const share = Math.ceil(free / Math.max(1, groups.length));
        for (const p of passes) {
          const size = groups.find((g) => g.includes(p.partition as PartitionInfo))!.length;
          expect(p.budget).toBe(Math.max(BATCH_MIN, Math.ceil(share / size)));
        }
        // So every group is offered at least its share of the free slots.
        for (const g of groups) {
          const offered = passes
            .filter((p) => g.includes(p.partition as PartitionInfo))
            .reduce((s, p) => s + p.budget, 0);
          expect(offered).toBeGreaterThanOrEqual(Math.min(share, g.length * BATCH_MIN));
        }
      }),
      propertyParams(500),
    );
  });

  it('is a function of its seed: the same seed gives the same plan, and seeds vary the order', () => {
    fc.assert(
      fc.property(partitionsArb, fc.integer({ min: 1, max: 500 }), fc.nat(), (ps, free, seed) => {
        const a = plan(ps, free, seed).passes.map((p) => p.partition.id);
        expect(plan(ps, free, seed).passes.map((p) => p.partition.id)).toEqual(a);
      }),
      propertyParams(200),
    );
    // Six accounts with one partition each, all unserved: the order is the seeded shuffle.
    const six = Array.from({ length: 6 }, (_, i) => ({
      id: `fn:a${i}:f`,
      accountId: `a${i}`,
      score: 0,
    }));
    const orders = new Set(
      Array.from({ length: 20 }, (_, s) =>
        plan(six, 100, s)
          .passes.map((p) => p.partition.id)
          .join(),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('keeps score order for the sequential role: no shuffle, no reordering', () => {
    fc.assert(
      fc.property(partitionsArb, fc.integer({ min: 1, max: 500 }), fc.nat(), (ps, free, seed) => {
        const { groups, passes } = plan(ps, free, seed, true);
        const expected: string[] = [];
        for (let round = 0; groups.some((g) => g.length > round); round++)
          for (const g of groups) if (g[round]) expected.push(g[round]!.id);
        expect(passes.map((p) => p.partition.id)).toEqual(expected);
      }),
      propertyParams(200),
    );
  });
});
