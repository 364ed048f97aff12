-- concurrency_capacity(key, limit, now, graceMs, counts): how many more leases `key` admits. A
-- lease counts while its expiry + graceMs > now (graceMs covers clock skew between processes).
-- limit <= 0 means unlimited. `counts` caches each key's live count for the rest of the script
-- (the caller adds its own grants to it), so a batch counts each key once.
local function concurrency_capacity(key, limit, now, graceMs, counts)
  local UNLIMITED = 1e15
  if limit <= 0 then return UNLIMITED end
  local n = counts[key]
  if n == nil then
    n = redis.call('ZCOUNT', key, '(' .. (now - graceMs), '+inf')
    counts[key] = n
  end
  return limit - n
end
