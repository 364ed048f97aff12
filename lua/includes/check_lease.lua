-- check_lease(leasesKey, id, leaseId, now): is `leaseId` the item's current, unexpired lease?
-- Returns 0 when it is; -10 when the item holds no lease; -8 when another lease replaced it;
-- -9 when it expired.
-- @include decode_ulid_time
local function check_lease(leasesKey, id, leaseId, now)
  local current = redis.call('HGET', leasesKey, id)
  if current == false then return -10 end
  if current ~= leaseId then return -8 end
  if decode_ulid_time(current) <= now then return -9 end
  return 0
end
