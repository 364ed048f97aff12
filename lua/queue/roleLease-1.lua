-- roleLease: claims, renews or releases a singleton role of a shard (scavenger, sequential).
-- Granted when the role is free, its lease has expired, or the caller holds it (renewal).
-- KEYS[1] role: {s}:role:<name>, value = lease ULID (its time is the expiry)
-- ARGV[1] newLeaseId: '' = release
-- ARGV[2] leaseId: the caller's current lease ('' = none)
-- ARGV[3] now: ms
-- ARGV[4] graceMs: clock-skew bound: another process's role lease counts until expiry + grace
-- returns 0 OK: granted (or released)
-- returns -2 ALREADY_LEASED: another process holds an unexpired lease
-- @include decode_ulid_time
-- @include lease_is_live
local OK, ALREADY_LEASED = 0, -2
local roleKey = KEYS[1]
local newId, currentId, now, graceMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local held = redis.call('GET', roleKey)
if newId == '' then
  if held ~= false and held == currentId then redis.call('DEL', roleKey) end
  return OK
end
if held ~= false and held ~= currentId and lease_is_live(held, now, graceMs) then return ALREADY_LEASED end
redis.call('SET', roleKey, newId, 'PX', decode_ulid_time(newId) - now + 86400000)
return OK
