-- extendLease: replaces the holder's current, unexpired lease with a new one. A stale or expired
-- lease is refused and changes nothing.
-- KEYS[1] items: hash itemId -> item JSON
-- KEYS[2] leases: hash itemId -> lease ULID
-- KEYS[3] leased: the partition's lease index
-- KEYS[4] scavenger: the scavenger index
-- KEYS[5] inProgressAccount: the account's in-progress set (placeholder: none)
-- KEYS[6] inProgressPartition: the function's (or system queue's) in-progress set
-- KEYS[7] inProgressCustom1: custom key 1's in-progress set (placeholder: none)
-- KEYS[8] inProgressCustom2: custom key 2's in-progress set (placeholder: none)
-- ARGV[1] itemId
-- ARGV[2] partitionId
-- ARGV[3] leaseId: the holder's current lease
-- ARGV[4] newLeaseId: ULID, its time is the new expiry
-- ARGV[5] now: ms
-- returns 0 OK
-- returns -1 NOT_FOUND
-- returns -8 LEASE_MISMATCH: the item is held under another lease
-- returns -9 LEASE_EXPIRED: the current lease has expired
-- returns -10 NOT_LEASED: the item holds no lease
-- @include is_real_key
-- @include check_lease
-- @include track_earliest
local OK, NOT_FOUND = 0, -1
local itemsKey, leasesKey, leasedKey, scavengeKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local itemId, pid, currentId, newId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])

if redis.call('HEXISTS', itemsKey, itemId) == 0 then return NOT_FOUND end
local fenced = check_lease(leasesKey, itemId, currentId, now)
if fenced ~= OK then return fenced end
local expiry = decode_ulid_time(newId)
redis.call('HSET', leasesKey, itemId, newId)
redis.call('ZADD', leasedKey, expiry, itemId)
for i = 5, 8 do
  if is_real_key(KEYS[i]) then redis.call('ZADD', KEYS[i], expiry, itemId) end
end
track_earliest(scavengeKey, leasedKey, pid)
return OK
