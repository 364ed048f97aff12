-- gcra_check(key, now, limit, burst, periodMs): would one more admission fit the GCRA throttle?
-- Exact integer arithmetic: the theoretical arrival time (TAT) is stored as '<ms>:<rem>' meaning
-- ms + rem/limit, and d = (TAT - now) * limit. One admission adds periodMs to d; it is allowed iff
-- the new d <= periodMs * (limit + burst). So at most limit + burst fit at once, then one per
-- periodMs/limit: admissions in any window T <= limit + burst + floor(T * limit / periodMs).
-- Returns true, newState, ttlMs when allowed (nothing is written), or false, retryAtMs.
local function gcra_check(key, now, limit, burst, periodMs)
  local d = 0
  local raw = redis.call('GET', key)
  if raw ~= false then
    local sep = string.find(raw, ':', 1, true)
    d = (tonumber(string.sub(raw, 1, sep - 1)) - now) * limit + tonumber(string.sub(raw, sep + 1))
    if d < 0 then d = 0 end
  end
  local nextD = d + periodMs
  local maxD = periodMs * (limit + burst)
  if nextD > maxD then
    return false, now + math.ceil((nextD - maxD) / limit)
  end
  local ms = math.floor(nextD / limit)
  local state = string.format('%d:%d', now + ms, nextD - ms * limit)
  return true, state, ms + 86400000
end
