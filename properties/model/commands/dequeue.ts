import { expect } from 'vitest';
import { predictDequeue, type Model } from '../model.js';
import {
  checkAgainstModel,
  pickLease,
  realItem,
  removeDequeued,
  type Cmd,
  type Real,
} from '../real.js';

export class Dequeue implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale' | 'none',
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const item = m.items.get(id);
    const leaseId = this.which === 'none' ? null : pickLease(m, id, this.which);
    const expected = predictDequeue(m, id, leaseId);
    const res = await r.shard.dequeue(await realItem(r, this.i), leaseId);
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok && item) removeDequeued(m, id, leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `dequeue(id${this.i}, ${this.which})`;
}
