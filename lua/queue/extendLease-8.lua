-- extendLease: replaces the holder's current, unexpired lease with a new one. A stale or expired
-- lease is refused and changes nothing.
-- KEYS[1] items hash  KEYS[2] leases hash  KEYS[3] partition lease index  KEYS[4] scavenger index
-- KEYS[5] account in-progress  KEYS[6] function in-progress  KEYS[7] custom key 1 in-progress
-- KEYS[8] custom key 2 in-progress   (5..8: placeholder when none)
-- ARGV[1] itemId  ARGV[2] pid  ARGV[3] current leaseId  ARGV[4] new leaseId  ARGV[5] now ms
-- returns 0 OK
-- returns -1 NOT_FOUND
-- returns -8 LEASE_MISMATCH: the item is held under another lease
-- returns -9 LEASE_EXPIRED: the current lease has expired
-- returns -10 NOT_LEASED: the item holds no lease
-- @include is_real_key
-- @include check_lease
-- @include track_earliest
local itemsKey, leasesKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local itemId, pid, currentId, newId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])

if redis.call('HEXISTS', itemsKey, itemId) == 0 then return -1 end
local fenced = check_lease(leasesKey, itemId, currentId, now)
if fenced ~= 0 then return fenced end
local expiry = decode_ulid_time(newId)
redis.call('HSET', leasesKey, itemId, newId)
redis.call('ZADD', leasedKey, expiry, itemId)
for i = 5, 8 do
  if is_real_key(KEYS[i]) then redis.call('ZADD', KEYS[i], expiry, itemId) end
end
track_earliest(scavengeKey, leasedKey, pid)
return 0
