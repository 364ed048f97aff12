-- try_lease_item(k, it, now, graceMs): leases one item if every constraint admits it.
-- k: {items, leases, ready, leased, account, fn, accountLimit, fnLimit, counts} (account = false
--    when the partition counts no account: system queues; counts = a table shared by one script's
--    calls, caching each constraint's live count).
-- it: {id, leaseId, ck1, ck1Limit, ck2, ck2Limit, throttle, thLimit, thBurst, thPeriod}; ck1, ck2
--    and throttle are keys or false.
-- Checks, in order: exists, not already leased, throttle, custom key 1, custom key 2, function,
-- account; only when all pass does it write (so a refusal changes nothing).
-- Returns code, retryAtMs: 0 leased; -1 not found; -2 already leased; -3 function limit;
-- -4 custom key 1 limit; -5 custom key 2 limit; -6 account limit; -7 throttled.
-- @include decode_ulid_time
-- @include concurrency_capacity
-- @include gcra_check
local function try_lease_item(k, it, now, graceMs)
  if redis.call('HEXISTS', k.items, it.id) == 0 then return -1, 0 end
  local current = redis.call('HGET', k.leases, it.id)
  if current ~= false and decode_ulid_time(current) + graceMs > now then return -2, 0 end
  local gcra = nil
  if it.throttle then
    gcra = gcra_check(it.throttle, now, it.thLimit, it.thBurst, it.thPeriod)
    if gcra[1] == 0 then return -7, gcra[2] end
  end
  local counts = k.counts
  if it.ck1 and concurrency_capacity(it.ck1, it.ck1Limit, now, graceMs, counts) <= 0 then return -4, 0 end
  if it.ck2 and concurrency_capacity(it.ck2, it.ck2Limit, now, graceMs, counts) <= 0 then return -5, 0 end
  if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return -3, 0 end
  if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) <= 0 then
    return -6, 0
  end
  -- Granted: later items of this script see this lease in the cached counts.
  for _, key in pairs({k.fn, k.account, it.ck1, it.ck2}) do
    if key and counts[key] ~= nil then counts[key] = counts[key] + 1 end
  end
  local expiry = decode_ulid_time(it.leaseId)
  if gcra then redis.call('SET', it.throttle, gcra[2], 'PX', gcra[3]) end
  redis.call('HSET', k.leases, it.id, it.leaseId)
  redis.call('ZREM', k.ready, it.id)
  redis.call('ZADD', k.leased, expiry, it.id)
  redis.call('ZADD', k.fn, expiry, it.id)
  if k.account then redis.call('ZADD', k.account, expiry, it.id) end
  if it.ck1 then redis.call('ZADD', it.ck1, expiry, it.id) end
  if it.ck2 then redis.call('ZADD', it.ck2, expiry, it.id) end
  return 0, 0
end
