import { expect } from 'vitest';
import { cover, describeModel, predictLease, type Model } from '../model.js';
import {
  checkAgainstModel,
  granted,
  LEASE_MS,
  PARTITIONS,
  partitionRef,
  type Cmd,
  type Real,
} from '../real.js';

export class LeaseBatch implements Cmd {
  constructor(
    readonly p: number,
    readonly fifo: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const pid = PARTITIONS[this.p]!;
    const peeked = await r.shard.peek(partitionRef(pid), m.now + 1000, 4);
    const expectedPeek = [...m.items.values()]
      .filter((i) => i.pid === pid && i.home === 'ready' && i.score <= m.now + 1000)
      .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1))
      .slice(0, 4)
      .map((i) => i.id);
    expect(peeked.map((p) => p.item.id)).toEqual(expectedPeek);
    const results = await r.shard.leaseBatch(
      peeked.map((p) => p.item),
      { durationMs: LEASE_MS, limits: m.limits, fifo: this.fifo },
    );
    let stopped = false;
    results.forEach((res, k) => {
      const id = peeked[k]!.item.id;
      const expected = stopped ? 'not-attempted' : predictLease(m, id);
      cover(m, `lease:${expected}`);
      if (this.fifo && (expected === 'function-limit' || expected === 'account-limit')) {
        stopped = true;
        if (k < results.length - 1) cover(m, 'fifo-stop-with-items-behind');
      }
      expect(res.ok ? 'ok' : res.reason, `${id} in batch; ${describeModel(m)}`).toBe(expected);
      if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    });
    await checkAgainstModel(m, r);
  }
  toString = () => `leaseBatch(${PARTITIONS[this.p]}, fifo=${this.fifo})`;
}
