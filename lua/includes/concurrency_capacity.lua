-- concurrency_capacity(key, limit, now, graceMs, counts): how many more leases `key` admits. A
-- lease counts while it is live for others (lease_cutoff with the clock-skew bound).
-- limit <= 0 means unlimited. `counts` caches each key's live count for the rest of the script
-- (the caller adds its own grants to it), so a batch counts each key once.
-- @include lease_cutoff
local function concurrency_capacity(key, limit, now, graceMs, counts)
  local UNLIMITED = 1e15
  if limit <= 0 then return UNLIMITED end
  local n = counts[key]
  if n == nil then
    n = redis.call('ZCOUNT', key, '(' .. lease_cutoff(now, graceMs), '+inf')
    counts[key] = n
  end
  return limit - n
end
