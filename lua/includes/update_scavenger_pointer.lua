-- update_scavenger_pointer(scavengeKey, leasedKey, pid): keeps the partition's score in the
-- scavenger index equal to the earliest lease expiry among its leased items, or removes it.
local function update_scavenger_pointer(scavengeKey, leasedKey, pid)
  local first = redis.call('ZRANGE', leasedKey, 0, 0, 'WITHSCORES')
  if first[1] == nil then
    redis.call('ZREM', scavengeKey, pid)
  else
    redis.call('ZADD', scavengeKey, first[2], pid)
  end
end
