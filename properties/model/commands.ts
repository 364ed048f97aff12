/**
 * The model-based property's commands, one file each under ./commands/, and the arbitraries that
 * generate them. Keep this list's order and arbitraries as they are: the property runs from a
 * fixed seed, and any change here changes every history it generates.
 */
import fc from 'fast-check';
import { Advance } from './commands/advance.js';
import { DequeueBatch, type Pick } from './commands/dequeue-batch.js';
import { Dequeue } from './commands/dequeue.js';
import { Enqueue } from './commands/enqueue.js';
import { Extend } from './commands/extend.js';
import { LeaseBatch } from './commands/lease-batch.js';
import { Lease } from './commands/lease.js';
import { PartitionPass } from './commands/partition-pass.js';
import { Requeue } from './commands/requeue.js';
import { Scavenge } from './commands/scavenge.js';
import { IDS } from './real.js';

export { IDS, inputFor, LEASE_MS, type Real } from './real.js';

const id = fc.integer({ min: 0, max: IDS - 1 });
const which = fc.constantFrom<'current' | 'stale'>('current', 'stale');

export const commands = [
  fc.tuple(id, fc.integer({ min: 0, max: 3000 })).map(([i, o]) => new Enqueue(i, o)),
  id.map((i) => new Lease(i)),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([p, f]) => new LeaseBatch(p, f)),
  fc.tuple(id, which).map(([i, w]) => new Extend(i, w)),
  fc
    .tuple(id, fc.constantFrom<'current' | 'stale' | 'none'>('current', 'stale', 'none'))
    .map(([i, w]) => new Dequeue(i, w)),
  fc
    .tuple(id, which, fc.integer({ min: 0, max: 3000 }), fc.boolean())
    .map(([i, w, o, c]) => new Requeue(i, w, o, c)),
  fc
    .array(fc.tuple(id, fc.constantFrom<Pick>('current', 'stale', 'none', 'repeat', 'current')), {
      minLength: 1,
      maxLength: 4,
    })
    .map((picks) => new DequeueBatch(picks)),
  fc.constant(new Scavenge()),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([p, f]) => new PartitionPass(p, f)),
  fc.integer({ min: 1, max: 2500 }).map((ms) => new Advance(ms)),
];
