-- lease_cutoff(now, graceMs): the one rule of lease liveness. A lease whose expiry is at or before
-- the cutoff is over; one that expires after it still counts. Its holder passes graceMs 0: for
-- fencing (extend, dequeue, requeue) a lease ends at its expiry. Everyone else passes the
-- clock-skew bound: for limits, re-leasing, scavenging, cancelling and partition or role leases,
-- another process's lease counts until expiry + graceMs, because that process's clock may run
-- behind ours. Per lease: decode_ulid_time(lease) > lease_cutoff(now, graceMs); over a sorted set
-- scored by expiry: the members scored above it.
local function lease_cutoff(now, graceMs)
  return now - graceMs
end
