-- dequeue: removes a finished item, fenced by its lease, and leaves a tombstone that refuses the
-- ID at enqueue until it expires. The partition is garbage-collected when it becomes empty;
-- otherwise its pointer moves to its earliest ready item and a force is cleared (capacity freed).
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] ready: the partition's ready set
-- KEYS[4] leased: the partition's lease index
-- KEYS[5] scavenger: the scavenger index
-- KEYS[6] tombstone: the item's idempotency tombstone
-- KEYS[7] partitions: hash pid -> partition JSON
-- KEYS[8] globalPartitions: the global partition index
-- KEYS[9] accounts: the accounts index
-- KEYS[10] accountPartitions: the account's partition index (placeholder: none)
-- KEYS[11] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[12] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[13] inProgressCustom1: custom key 1's in-progress set (placeholder: none)
-- KEYS[14] inProgressCustom2: custom key 2's in-progress set (placeholder: none)
-- ARGV[1] itemId
-- ARGV[2] partitionId
-- ARGV[3] leaseId: the holder's lease ('' = the item must not be leased: cancellation)
-- ARGV[4] now: ms
-- ARGV[5] tombstoneTtlMs: 0 = no tombstone
-- ARGV[6] accountId: '' for none
-- ARGV[7] wakeChannel: '' for none
-- ARGV[8] graceMs: clock-skew bound, for the unfenced path and the partition's lease
-- returns 0 OK: removed (also when this lease already removed it: the tombstone remembers it)
-- returns -1 NOT_FOUND
-- returns -2 ALREADY_LEASED: unfenced call on an item that holds an unexpired lease
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- @include dequeue_status
-- @include check_partition_version
-- @include remove_item
local OK = 0
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local tombstoneKey, partitionsKey = KEYS[6], KEYS[7]
local itemId, pid, leaseId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local tombstoneTtlMs, accountId, wakeChannel, graceMs = tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])

local k = {items = itemsKey, tombstone = tombstoneKey}
local status, present = dequeue_status(k, itemId, leaseId, redis.call('HGET', leasesKey, itemId), now, graceMs)
-- A repeat of a dequeue whose reply was lost (the item is gone) answers OK and changes nothing.
if status ~= OK or not present then return status end
check_partition_version(partitionsKey, pid)
remove_item({
  items = itemsKey, leases = leasesKey, ready = readyKey, leased = leasedKey, scavenger = scavengeKey,
  tombstone = tombstoneKey, partitions = partitionsKey, global = KEYS[8], accounts = KEYS[9],
  accountPartitions = KEYS[10], inProgress = {KEYS[11], KEYS[12], KEYS[13], KEYS[14]},
}, itemId, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
return OK
