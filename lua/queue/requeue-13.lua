-- requeue: the holder returns a leased item to its ready set at `at` (a retry or a deferral),
-- fenced by its lease. Bumps the generation, optionally the attempt count, and pulls the partition
-- pointer earlier if needed (never later; a leased or forced partition is left to its holder).
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] ready: the partition's ready set
-- KEYS[4] leased: the partition's lease index
-- KEYS[5] scavenger: the scavenger index
-- KEYS[6] partitions: hash pid -> partition JSON
-- KEYS[7] globalPartitions: the global partition index
-- KEYS[8] accounts: the accounts index
-- KEYS[9] accountPartitions: the account's partition index (placeholder: none)
-- KEYS[10] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[11] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[12] inProgressCustom1: custom key 1's in-progress set (placeholder: none)
-- KEYS[13] inProgressCustom2: custom key 2's in-progress set (placeholder: none)
-- ARGV[1] itemId
-- ARGV[2] partitionId
-- ARGV[3] leaseId: the holder's lease
-- ARGV[4] now: ms
-- ARGV[5] at: ms, when the item is ready again
-- ARGV[6] attemptIncrement: 0/1
-- ARGV[7] accountId: '' for none
-- ARGV[8] wakeChannel: '' for none
-- ARGV[9] graceMs: clock-skew bound: a partition leased by another scanner is left to it
-- returns 0 OK
-- returns -1 NOT_FOUND
-- returns -8 LEASE_MISMATCH
-- returns -9 LEASE_EXPIRED
-- returns -10 NOT_LEASED
-- @include decode_item
-- @include check_partition_version
-- @include check_lease
-- @include release_item
-- @include track_earliest
-- @include pull_partition_pointer
local OK, NOT_FOUND = 0, -1
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local partitionsKey, globalKey, accountsKey, accountPartitionsKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local itemId, pid, leaseId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local at, attemptIncrement, accountId, wakeChannel = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8]
local graceMs = tonumber(ARGV[9])

local raw = redis.call('HGET', itemsKey, itemId)
if raw == false then return NOT_FOUND end
local fenced = check_lease(leasesKey, itemId, leaseId, now)
if fenced ~= OK then return fenced end
local item = decode_item(raw, itemId)
check_partition_version(partitionsKey, pid)
item.at = at
item.wt = at
item.score = at
item.atts = item.atts + attemptIncrement
item.gen = item.gen + 1
redis.call('HSET', itemsKey, itemId, cjson.encode(item))
release_item({leases = leasesKey, leased = leasedKey, inProgress = {KEYS[10], KEYS[11], KEYS[12], KEYS[13]}}, itemId)
redis.call('ZADD', readyKey, at, itemId)
track_earliest(scavengeKey, leasedKey, pid)
pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,
  at, now, graceMs, false, wakeChannel)
return OK
