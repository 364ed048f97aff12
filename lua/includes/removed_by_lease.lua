-- removed_by_lease(tombstoneKey, leaseId): for an item that is gone, OK when its tombstone
-- '<expiry ms>|<leaseId>' says this lease removed it (a repeated dequeue whose first reply was
-- lost: done again), else NOT_FOUND.
local function removed_by_lease(tombstoneKey, leaseId)
  local OK, NOT_FOUND = 0, -1
  local tombstone = redis.call('GET', tombstoneKey)
  if leaseId ~= '' and tombstone ~= false then
    local sep = string.find(tombstone, '|', 1, true)
    if sep ~= nil and string.sub(tombstone, sep + 1) == leaseId then return OK end
  end
  return NOT_FOUND
end
