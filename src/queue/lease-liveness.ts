import { ulidTime } from '../core/ulid.js';

/**
 * The one rule of lease liveness, as lua/includes/lease_cutoff.lua states it for the scripts: a
 * lease whose expiry is at or before the cutoff is over. Its holder passes graceMs 0 (its lease
 * ends at its expiry); everyone else passes the clock-skew bound (another process's lease counts
 * until expiry + graceMs). The property model (properties/model/model.ts) keeps a copy of its own
 * on purpose: an oracle must not share the code it judges.
 */
export function leaseCutoff(now: number, graceMs: number): number {
  return now - graceMs;
}

/** Whether a lease expiring at `expiresAt` still counts at `now`. */
export function expiryIsLive(expiresAt: number, now: number, graceMs: number): boolean {
  return expiresAt > leaseCutoff(now, graceMs);
}

/** Whether a lease ID (a ULID whose time is its expiry) still counts at `now`. */
export function leaseIsLive(leaseId: string, now: number, graceMs: number): boolean {
  return expiryIsLive(ulidTime(leaseId), now, graceMs);
}
