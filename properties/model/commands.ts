/**
 * The model-based property's commands, one file each under ./commands/, and the arbitraries that
 * generate them. fc.commands draws from this list uniformly, so a command listed twice is drawn
 * twice as often: enqueues and batch leases are, so that histories hold enough live items and
 * leases to meet limits (model.test.ts requires the situations it must reach). Any change here
 * changes every history the fixed seed generates; check the coverage it prints after one.
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

/** Most items due at once or soon (peeks look 1 s ahead), some later. */
const offset = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: 3000 }),
);
const enqueue = fc.tuple(id, offset).map(([i, o]) => new Enqueue(i, o));
const leaseBatch = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.boolean())
  .map(([p, f]) => new LeaseBatch(p, f));

export const commands = [
  enqueue,
  enqueue,
  id.map((i) => new Lease(i)),
  leaseBatch,
  leaseBatch,
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
  fc
    .oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 2500 }))
    .map((ms) => new Advance(ms)),
];
