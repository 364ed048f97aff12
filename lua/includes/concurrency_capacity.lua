-- concurrency_capacity(key, limit, now, graceMs): how many more leases `key` admits. A lease counts
-- while its expiry + graceMs > now (graceMs covers clock skew between processes). limit <= 0 means
-- unlimited.
local function concurrency_capacity(key, limit, now, graceMs)
  if limit <= 0 then return 1e15 end
  return limit - redis.call('ZCOUNT', key, '(' .. (now - graceMs), '+inf')
end
