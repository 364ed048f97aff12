-- scavengePartition: returns items whose lease expired more than `grace` ms ago to their ready
-- set at their own score (they keep their place in line), counting the scavenge and bumping the
-- generation; keeps the scavenger index equal to the earliest remaining lease expiry.
-- Custom-key in-progress entries of scavenged items are expired and no longer count; the next
-- lease of the item overwrites them and its dequeue removes them.
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
-- ARGV[1] partitionId
-- ARGV[2] now: ms
-- ARGV[3] graceMs: clock-skew bound
-- ARGV[4] limit: items returned at most
-- ARGV[5] accountId: '' for none
-- ARGV[6] wakeChannel: '' for none
-- reply {count, ids} of the items returned to the ready set
-- @include decode_item
-- @include check_partition_version
-- @include lease_cutoff
-- @include release_item
-- @include track_earliest
-- @include pull_partition_pointer
local itemsKey, leasesKey, readyKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local partitionsKey, globalKey, accountsKey, accountPartitionsKey = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local pid, now, graceMs, limit, accountId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local wakeChannel = ARGV[6]

local k = {leases = leasesKey, leased = leasedKey, inProgress = {KEYS[10], KEYS[11]}}
local expired = redis.call('ZRANGE', leasedKey, '-inf', lease_cutoff(now, graceMs), 'BYSCORE', 'LIMIT', 0, limit)
-- Every record it will edit is decoded (and its version checked) before the first write.
check_partition_version(partitionsKey, pid)
local decoded = {}
for i, id in ipairs(expired) do
  local raw = redis.call('HGET', itemsKey, id)
  decoded[i] = raw ~= false and decode_item(raw, id) or false
end
local returned, earliest = {}, nil
for i, id in ipairs(expired) do
  local item = decoded[i]
  release_item(k, id)
  if item then
    item.sc = (item.sc or 0) + 1
    item.gen = item.gen + 1
    redis.call('HSET', itemsKey, id, cjson.encode(item))
    redis.call('ZADD', readyKey, item.score, id)
    returned[#returned + 1] = id
    if earliest == nil or item.score < earliest then earliest = item.score end
  end
end
track_earliest(scavengeKey, leasedKey, pid)
if earliest ~= nil then
  pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,
    earliest, now, graceMs, false, wakeChannel)
end
return {#returned, returned}
