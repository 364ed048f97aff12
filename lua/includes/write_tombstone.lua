-- write_tombstone(key, now, ttlMs, leaseId): the idempotency tombstone of a dequeued item,
-- '<expiry ms>|<leaseId>': it refuses the ID at enqueue until its expiry (compared with ARGV now;
-- a generous PX on top only collects garbage) and lets a repeat by the same lease succeed.
-- ttlMs 0 keeps none.
local function write_tombstone(key, now, ttlMs, leaseId)
  if ttlMs > 0 then redis.call('SET', key, (now + ttlMs) .. '|' .. leaseId, 'PX', ttlMs + 86400000) end
end
