-- enqueue: stores a new item in its partition's ready set and makes the partition reachable.
-- Idempotent by item ID: an ID that exists, or whose tombstone has not expired (compared with
-- ARGV now), is refused. Checks come before any write, so a refusal leaves nothing behind.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] tombstone: {s}:seen:<itemId>, value '<expiry ms>|<leaseId>'
-- KEYS[3] ready: the partition's ready set {s}:ready:<pid>
-- KEYS[4] partitions: hash pid -> partition JSON
-- KEYS[5] globalPartitions: the global partition index
-- KEYS[6] accounts: the accounts index
-- KEYS[7] accountPartitions: the account's partition index (placeholder when no account)
-- ARGV[1] itemId
-- ARGV[2] itemJson
-- ARGV[3] score: ms
-- ARGV[4] now: ms
-- ARGV[5] partitionId
-- ARGV[6] partitionJson: the partition's metadata, stored if the partition is new
-- ARGV[7] accountId: '' for none
-- ARGV[8] wakeChannel: '' for none
-- ARGV[9] constrained: 0/1, the item has a custom concurrency key or a throttle; its partition
--   is then marked `c`, so that scanners take it by the general path (partitionPass refuses it)
-- ARGV[10] graceMs: clock-skew bound: a partition leased by another scanner is left to it
-- returns 0 OK: enqueued
-- returns 1 ITEM_EXISTS: an item with this ID is queued or leased
-- returns 2 ITEM_TOMBSTONED: this ID was dequeued and its tombstone has not expired
-- @include enqueue_item
local itemId, itemJson, score, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local pid, partitionJson, accountId, wakeChannel = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local constrained, graceMs = ARGV[9] == '1', tonumber(ARGV[10])

return enqueue_item({
  items = KEYS[1], tombstone = KEYS[2], ready = KEYS[3], partitions = KEYS[4], global = KEYS[5],
  accounts = KEYS[6], accountPartitions = KEYS[7],
}, itemId, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, constrained, graceMs)
