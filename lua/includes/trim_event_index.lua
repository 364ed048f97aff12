-- trim_event_index(indexKey, now, retentionMs): drops from an event index (zset internalId ->
-- received ms) the entries received retentionMs or more before now, and lets the whole index
-- expire retentionMs after its newest entry: by then every entry in it is that old, so the
-- expiry only collects garbage.
local function trim_event_index(indexKey, now, retentionMs)
  redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', now - retentionMs)
  redis.call('PEXPIRE', indexKey, retentionMs)
end
