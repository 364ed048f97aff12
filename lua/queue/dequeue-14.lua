-- dequeue: removes a finished item, fenced by its lease, and leaves a tombstone that refuses the
-- ID at enqueue until it expires. The partition is garbage-collected when it becomes empty;
-- otherwise its pointer moves to its earliest ready item and a force is cleared (capacity freed).
-- KEYS[1] items hash  KEYS[2] leases hash  KEYS[3] ready set  KEYS[4] partition lease index
-- KEYS[5] scavenger index  KEYS[6] tombstone  KEYS[7] partitions hash
-- KEYS[8] global partition index  KEYS[9] accounts index  KEYS[10] account partition index
-- KEYS[11] account in-progress  KEYS[12] function in-progress  KEYS[13] custom key 1 in-progress
-- KEYS[14] custom key 2 in-progress   (10, 11, 13, 14: placeholder when none)
-- ARGV[1] itemId  ARGV[2] pid  ARGV[3] leaseId ('' = the item must not be leased)  ARGV[4] now ms
-- ARGV[5] tombstone ttl ms (0 = none)  ARGV[6] accountId ('' none)  ARGV[7] wake channel ('' none)
-- ARGV[8] grace ms (clock-skew bound, for the unfenced path)
-- returns 0 OK (also when this lease already dequeued it: the tombstone remembers the lease)
-- returns -1 NOT_FOUND
-- returns -2 ALREADY_LEASED: unfenced call on an item that holds an unexpired lease
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- @include dequeue_item
-- @include track_earliest
-- @include settle_partition
local pid, now, accountId = ARGV[2], tonumber(ARGV[4]), ARGV[6]
local k = {
  items = KEYS[1], leases = KEYS[2], ready = KEYS[3], leased = KEYS[4], scavenge = KEYS[5],
  tombstone = KEYS[6], inProgress = {KEYS[11], KEYS[12], KEYS[13], KEYS[14]}, pid = pid,
  partitions = KEYS[7], global = KEYS[8], accounts = KEYS[9], accountPartitions = KEYS[10],
}
local code = dequeue_item(k, ARGV[1], ARGV[3], now, tonumber(ARGV[5]), tonumber(ARGV[8]))
if code == 0 then
  track_earliest(k.scavenge, k.leased, pid)
  settle_partition(k, pid, accountId, now, ARGV[7])
end
return code
