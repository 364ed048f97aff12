-- release_item(k, id): removes every trace of an item's lease: the lease entry, the partition's
-- lease index and each in-progress set. k: {leases, leased, inProgress = {key, ...}}; in-progress
-- keys may be placeholders.
-- @include is_real_key
local function release_item(k, id)
  redis.call('HDEL', k.leases, id)
  redis.call('ZREM', k.leased, id)
  for _, key in ipairs(k.inProgress) do
    if is_real_key(key) then redis.call('ZREM', key, id) end
  end
end
