import { expect } from 'vitest';
import { ulidTime } from '../../../src/internal.js';
import type { Model } from '../model.js';
import { checkAgainstModel, type Cmd, type Real } from '../real.js';

export class Scavenge implements Cmd {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const expected = [...m.items.values()].filter(
      (i) => i.home === 'leased' && ulidTime(i.lease!) + m.graceMs <= m.now,
    );
    const res = await r.shard.scavenge();
    expect(res.itemIds.sort()).toEqual(expected.map((i) => i.id).sort());
    for (const i of expected) {
      i.pastLeases.push(i.lease!);
      Object.assign(i, { home: 'ready', lease: null, generation: i.generation + 1 });
    }
    await checkAgainstModel(m, r);
  }
  toString = () => 'scavenge()';
}
