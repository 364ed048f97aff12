-- fence_status(current, leaseId, now): may the holder of `leaseId` act on an item whose lease
-- entry is `current` (false: none)? OK when it is the current, unexpired lease; NOT_LEASED when
-- the item holds none; LEASE_MISMATCH when another lease replaced it; LEASE_EXPIRED when it
-- expired (the holder's own view: no grace).
-- @include lease_is_live
local function fence_status(current, leaseId, now)
  local OK, LEASE_MISMATCH, LEASE_EXPIRED, NOT_LEASED = 0, -8, -9, -10
  if current == false then return NOT_LEASED end
  if current ~= leaseId then return LEASE_MISMATCH end
  if not lease_is_live(current, now, 0) then return LEASE_EXPIRED end
  return OK
end
