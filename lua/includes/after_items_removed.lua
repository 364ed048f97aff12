-- after_items_removed(k, pid, accountId, now, graceMs, wakeChannel): after items left a partition,
-- garbage-collects it when it holds nothing (no ready and no leased item) or pulls its pointer to
-- its earliest ready item, clearing a force (capacity was freed). k: {partitions, global, accounts, accountPartitions,
-- ready, leased}.
-- @include remove_partition_pointer
-- @include pull_partition_pointer
local function after_items_removed(k, pid, accountId, now, graceMs, wakeChannel)
  local first = redis.call('ZRANGE', k.ready, 0, 0, 'WITHSCORES')
  if first[1] == nil then
    if redis.call('ZCARD', k.leased) == 0 then
      redis.call('HDEL', k.partitions, pid)
      remove_partition_pointer(k.global, k.accounts, k.accountPartitions, pid, accountId)
    end
    return
  end
  pull_partition_pointer(k.partitions, k.global, k.accounts, k.accountPartitions, pid, accountId,
    tonumber(first[2]), now, graceMs, true, wakeChannel)
end
