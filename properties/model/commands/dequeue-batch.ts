import { expect } from 'vitest';
import type { QueueItem } from '../../../src/internal.js';
import { predictDequeue, type Model } from '../model.js';
import {
  checkAgainstModel,
  pickLease,
  realItem,
  removeDequeued,
  type Cmd,
  type Real,
} from '../real.js';

export type Pick = 'current' | 'stale' | 'none' | 'repeat';

/**
 * Several dequeues in one dequeueBatch call: each entry answers as the same dequeue alone would,
 * in order ('repeat' sends the previous entry again, as a retried ack would).
 */
export class DequeueBatch implements Cmd {
  constructor(readonly picks: [number, Pick][]) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const entries: { item: QueueItem; leaseId: string | null }[] = [];
    const ids: string[] = [];
    const expected: string[] = [];
    for (const [i, which] of this.picks) {
      const last = entries.at(-1);
      const repeat = which === 'repeat' && last !== undefined;
      const id = repeat ? ids.at(-1)! : `id${i}`;
      const item = repeat ? last.item : await realItem(r, i);
      const leaseId = repeat
        ? last.leaseId
        : which === 'none' || which === 'repeat'
          ? null
          : pickLease(m, id, which);
      const outcome = predictDequeue(m, id, leaseId);
      if (outcome === 'ok' && m.items.has(id)) removeDequeued(m, id, leaseId);
      entries.push({ item, leaseId });
      ids.push(id);
      expected.push(outcome);
    }
    const res = await r.shard.dequeueBatch(entries);
    expect(res.map((x) => (x.ok ? 'ok' : x.reason))).toEqual(expected);
    await checkAgainstModel(m, r);
  }
  toString = () => `dequeueBatch(${this.picks.map(([i, w]) => `id${i}:${w}`).join(', ')})`;
}
