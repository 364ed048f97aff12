-- removed_by_lease(tombstoneKey, leaseId): for an item that is gone, 0 when its tombstone
-- '<expiry ms>|<leaseId>' says this lease removed it (a repeated dequeue whose first reply was
-- lost: done again), else -1 (not found).
local function removed_by_lease(tombstoneKey, leaseId)
  local tombstone = redis.call('GET', tombstoneKey)
  if leaseId ~= '' and tombstone ~= false then
    local sep = string.find(tombstone, '|', 1, true)
    if sep ~= nil and string.sub(tombstone, sep + 1) == leaseId then return 0 end
  end
  return -1
end
