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
-- @include decode_partition
-- @include pull_partition_pointer
local OK, ITEM_EXISTS, ITEM_TOMBSTONED = 0, 1, 2
local itemsKey, tombstoneKey, readyKey, partitionsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local globalKey, accountsKey, accountPartitionsKey = KEYS[5], KEYS[6], KEYS[7]
local itemId, itemJson, score, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local pid, partitionJson, accountId, wakeChannel = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local constrained, graceMs = ARGV[9] == '1', tonumber(ARGV[10])

local tombstone = redis.call('GET', tombstoneKey)
if tombstone ~= false then
  if tonumber(string.match(tombstone, '^[^|]*')) > now then return ITEM_TOMBSTONED end
  redis.call('DEL', tombstoneKey)
end
if redis.call('HEXISTS', itemsKey, itemId) == 1 then return ITEM_EXISTS end
local storedPartition = redis.call('HGET', partitionsKey, pid)
-- An unknown version stops the script here, before its first write.
local p = storedPartition ~= false and decode_partition(storedPartition, pid) or nil

redis.call('HSET', itemsKey, itemId, itemJson)
redis.call('ZADD', readyKey, score, itemId)
if p == nil then
  redis.call('HSET', partitionsKey, pid, partitionJson)
elseif constrained and not p.c then
  p.c = 1
  redis.call('HSET', partitionsKey, pid, cjson.encode(p))
end
pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,
  score, now, graceMs, false, wakeChannel)
return OK
