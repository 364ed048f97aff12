-- enqueue_item(k, id, itemJson, score, now, pid, partitionJson, accountId, wakeChannel, constrained,
-- graceMs): stores a new item in its partition's ready set and makes the partition reachable,
-- unless its ID is queued, leased, or tombstoned (expiry compared with now). Checks come before
-- any write. k: {items, tombstone, ready, partitions, global, accounts, accountPartitions}.
-- Returns OK, ITEM_EXISTS or ITEM_TOMBSTONED. enqueue and the run-state scripts share it.
-- @include decode_partition
-- @include pull_partition_pointer
local function enqueue_item(k, id, itemJson, score, now, pid, partitionJson, accountId, wakeChannel,
    constrained, graceMs)
  local OK, ITEM_EXISTS, ITEM_TOMBSTONED = 0, 1, 2
  local tombstone = redis.call('GET', k.tombstone)
  if tombstone ~= false then
    if tonumber(string.match(tombstone, '^[^|]*')) > now then return ITEM_TOMBSTONED end
    redis.call('DEL', k.tombstone)
  end
  if redis.call('HEXISTS', k.items, id) == 1 then return ITEM_EXISTS end
  local storedPartition = redis.call('HGET', k.partitions, pid)
  -- An unknown version stops the script here, before its first write.
  local p = storedPartition ~= false and decode_partition(storedPartition, pid) or nil

  redis.call('HSET', k.items, id, itemJson)
  redis.call('ZADD', k.ready, score, id)
  if p == nil then
    redis.call('HSET', k.partitions, pid, partitionJson)
  elseif constrained and not p.c then
    p.c = 1
    redis.call('HSET', k.partitions, pid, cjson.encode(p))
  end
  pull_partition_pointer(k.partitions, k.global, k.accounts, k.accountPartitions, pid, accountId,
    score, now, graceMs, false, wakeChannel)
  return OK
end
