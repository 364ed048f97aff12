import type { CallEvent } from './events.js';
import type { ItemLedger, LeaseLedger } from './ledger.js';

export interface Violation {
  invariant: string;
  virtualMs: number;
  message: string;
}

/** A process's view of time: its clock offset from virtual time, and whether it is alive. */
export type ProcessView = (process: string) => { skewMs: number; alive: boolean };

/** What every checker may read, and how it reports. */
export interface CheckContext {
  fail(invariant: string, message: string): void;
  /** Virtual time. */
  now(): number;
  view: ProcessView;
  /** The bound on clock skew between processes (the queue's graceMs). */
  maxSkewMs: number;
  items: ItemLedger;
  leases: LeaseLedger;
}

/**
 * One invariant of the correctness contract. `before` sees an event before the ledgers apply it
 * (the holder, the latest lease as they were); `after` sees it once they have.
 */
export interface Checker {
  before?(process: string, e: CallEvent, ctx: CheckContext): void;
  after?(process: string, e: CallEvent, ctx: CheckContext): void;
}
