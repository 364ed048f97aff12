-- try_lease_item(k, it, now, graceMs): leases one item if every constraint admits it.
-- k: {items, leases, ready, leased, account, fn, accountLimit, fnLimit, counts} (account = false
--    when the partition counts no account: system queues; counts = a table shared by one script's
--    calls, caching each constraint's live count).
-- it: {id, leaseId, ck1, ck1Limit, ck2, ck2Limit, throttle, thLimit, thBurst, thPeriod}; ck1, ck2
--    and throttle are keys or false.
-- Checks, in order: exists, not already leased, throttle, custom key 1, custom key 2, function,
-- account; only when all pass does it write (so a refusal changes nothing).
-- Returns status, retryAtMs (THROTTLED only, else 0).
-- @include decode_ulid_time
-- @include lease_is_live
-- @include concurrency_capacity
-- @include gcra_check
local function try_lease_item(k, it, now, graceMs)
  local OK, NOT_FOUND, ALREADY_LEASED, FUNCTION_LIMIT = 0, -1, -2, -3
  local CUSTOM_KEY_1_LIMIT, CUSTOM_KEY_2_LIMIT, ACCOUNT_LIMIT, THROTTLED = -4, -5, -6, -7
  if redis.call('HEXISTS', k.items, it.id) == 0 then return NOT_FOUND, 0 end
  local current = redis.call('HGET', k.leases, it.id)
  if current ~= false and lease_is_live(current, now, graceMs) then return ALREADY_LEASED, 0 end
  local admitted, throttleState, throttleTtl = false, nil, nil
  if it.throttle then
    admitted, throttleState, throttleTtl = gcra_check(it.throttle, now, it.thLimit, it.thBurst, it.thPeriod)
    if not admitted then return THROTTLED, throttleState end
  end
  local counts = k.counts
  if it.ck1 and concurrency_capacity(it.ck1, it.ck1Limit, now, graceMs, counts) <= 0 then return CUSTOM_KEY_1_LIMIT, 0 end
  if it.ck2 and concurrency_capacity(it.ck2, it.ck2Limit, now, graceMs, counts) <= 0 then return CUSTOM_KEY_2_LIMIT, 0 end
  if concurrency_capacity(k.fn, k.fnLimit, now, graceMs, counts) <= 0 then return FUNCTION_LIMIT, 0 end
  if k.account and concurrency_capacity(k.account, k.accountLimit, now, graceMs, counts) <= 0 then
    return ACCOUNT_LIMIT, 0
  end
  -- Granted: later items of this script see this lease in the cached counts.
  for _, key in pairs({k.fn, k.account, it.ck1, it.ck2}) do
    if key and counts[key] ~= nil then counts[key] = counts[key] + 1 end
  end
  local expiry = decode_ulid_time(it.leaseId)
  if admitted then redis.call('SET', it.throttle, throttleState, 'PX', throttleTtl) end
  redis.call('HSET', k.leases, it.id, it.leaseId)
  redis.call('ZREM', k.ready, it.id)
  redis.call('ZADD', k.leased, expiry, it.id)
  redis.call('ZADD', k.fn, expiry, it.id)
  if k.account then redis.call('ZADD', k.account, expiry, it.id) end
  if it.ck1 then redis.call('ZADD', it.ck1, expiry, it.id) end
  if it.ck2 then redis.call('ZADD', it.ck2, expiry, it.id) end
  return OK, 0
end
