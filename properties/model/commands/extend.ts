import { expect } from 'vitest';
import { predictFence, type Model } from '../model.js';
import {
  checkAgainstModel,
  granted,
  LEASE_MS,
  pickLease,
  realItem,
  type Cmd,
  type Real,
} from '../real.js';

export class Extend implements Cmd {
  constructor(
    readonly i: number,
    readonly which: 'current' | 'stale',
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const id = `id${this.i}`;
    const leaseId = pickLease(m, id, this.which);
    const expected = predictFence(m, id, leaseId);
    const res = await r.shard.extendLease(await realItem(r, this.i), leaseId, LEASE_MS);
    expect(res.ok ? 'ok' : res.reason).toBe(expected);
    if (res.ok) granted(m, m.items.get(id)!, res.leaseId);
    await checkAgainstModel(m, r);
  }
  toString = () => `extend(id${this.i}, ${this.which})`;
}
