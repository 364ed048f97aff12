-- dequeue_status(k, id, leaseId, current, now, graceMs): may this dequeue remove the item, whose
-- lease entry is `current` (false: none)? leaseId '' removes an item that is not leased
-- (cancellation): refused with ALREADY_LEASED while a lease counts for anyone (with the grace).
-- Otherwise fenced as fence_status, except that an item already gone answers OK when its
-- tombstone names this lease (a holder retrying an ack whose reply was lost). dequeue and
-- dequeueBatch both decide by this. k: {items, tombstone}.
-- Returns the status (OK, NOT_FOUND, ALREADY_LEASED, or a refusal of fence_status), and whether
-- the item is still there (false: it is gone, and an OK is a repeat that must change nothing).
-- @include lease_is_live
-- @include fence_status
-- @include removed_by_lease
local function dequeue_status(k, id, leaseId, current, now, graceMs)
  local OK, NOT_FOUND, ALREADY_LEASED, NOT_LEASED = 0, -1, -2, -10
  if leaseId == '' then
    if redis.call('HEXISTS', k.items, id) == 0 then return NOT_FOUND, false end
    if current ~= false and lease_is_live(current, now, graceMs) then return ALREADY_LEASED, true end
    return OK, true
  end
  if current == false then
    if redis.call('HEXISTS', k.items, id) == 0 then return removed_by_lease(k.tombstone, leaseId), false end
    return NOT_LEASED, true
  end
  -- A lease entry exists only while its item does.
  return fence_status(current, leaseId, now), true
end
