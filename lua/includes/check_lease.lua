-- check_lease(leasesKey, id, leaseId, now): is `leaseId` the item's current, unexpired lease?
-- Returns OK when it is; NOT_LEASED when the item holds no lease; LEASE_MISMATCH when another
-- lease replaced it; LEASE_EXPIRED when it expired.
-- @include decode_ulid_time
local function check_lease(leasesKey, id, leaseId, now)
  local OK, LEASE_MISMATCH, LEASE_EXPIRED, NOT_LEASED = 0, -8, -9, -10
  local current = redis.call('HGET', leasesKey, id)
  if current == false then return NOT_LEASED end
  if current ~= leaseId then return LEASE_MISMATCH end
  if decode_ulid_time(current) <= now then return LEASE_EXPIRED end
  return OK
end
