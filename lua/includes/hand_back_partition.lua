-- hand_back_partition(k, p, pid, accountId, now, at, force): a scanner is done with partition p
-- (its decoded metadata). Clears its lease and `freed` mark. Collects it (metadata and pointers)
-- when it holds no ready and no leased item, and returns nil. Otherwise forced: the pointer goes
-- to `at` and stays (forcedUntil); not forced: to `at` or its earliest ready item if earlier (never
-- before now). Writes p back, sets the pointer, returns its score.
-- k: {partitions, global, accounts, accountPartitions, ready, leased}.
-- @include remove_partition_pointer
-- @include set_partition_pointer
local function hand_back_partition(k, p, pid, accountId, now, at, force)
  p.leaseId = nil
  p.freed = nil
  local first = redis.call('ZRANGE', k.ready, 0, 0, 'WITHSCORES')
  if first[1] == nil and redis.call('ZCARD', k.leased) == 0 then
    redis.call('HDEL', k.partitions, pid)
    remove_partition_pointer(k.global, k.accounts, k.accountPartitions, pid, accountId)
    return nil
  end
  local target = at
  if force then
    p.forcedUntil = at
  else
    p.forcedUntil = nil
    if first[1] ~= nil and tonumber(first[2]) < target then
      target = math.max(tonumber(first[2]), now)
    end
  end
  redis.call('HSET', k.partitions, pid, cjson.encode(p))
  set_partition_pointer(k.global, k.accounts, k.accountPartitions, pid, accountId, target)
  return target
end
