-- check_lease(leasesKey, id, leaseId, now): fence_status of the item's stored lease entry.
-- @include fence_status
local function check_lease(leasesKey, id, leaseId, now)
  return fence_status(redis.call('HGET', leasesKey, id), leaseId, now)
end
