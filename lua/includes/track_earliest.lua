-- track_earliest(indexKey, sourceKey, member): keeps `member`'s score in the index equal to the
-- earliest score in the source sorted set, or removes it when the source is empty. Used for the
-- scavenger index (partition -> earliest lease expiry) and the accounts index (account ->
-- earliest partition).
local function track_earliest(indexKey, sourceKey, member)
  local first = redis.call('ZRANGE', sourceKey, 0, 0, 'WITHSCORES')
  if first[1] == nil then
    redis.call('ZREM', indexKey, member)
  else
    redis.call('ZADD', indexKey, first[2], member)
  end
end
