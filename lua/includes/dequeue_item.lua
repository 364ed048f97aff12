-- dequeue_item(k, id, leaseId, now, tombstoneTtlMs, graceMs): removes a finished item, fenced by
-- its lease. leaseId '' removes an item that is not leased (cancellation); a lease that is live for
-- anyone (expiry + graceMs > now) refuses it (ALREADY_LEASED). A tombstone '<expiry ms>|<leaseId>'
-- keeps refusing the ID at enqueue until its expiry, and makes a repeated dequeue by the same lease
-- succeed again (a holder whose reply was lost may retry safely).
-- k: {items, leases, ready, leased, tombstone, inProgress = {...}}. The caller then updates the
-- partition's scavenger pointer and settles it (once per partition, for a batch).
-- Returns OK done; NOT_FOUND; ALREADY_LEASED (unfenced call); or a refusal of check_lease.
-- @include check_lease
-- @include release_item
-- @include removed_by_lease
local function dequeue_item(k, id, leaseId, now, tombstoneTtlMs, graceMs)
  local OK, ALREADY_LEASED = 0, -2
  if redis.call('HEXISTS', k.items, id) == 0 then return removed_by_lease(k.tombstone, leaseId) end
  if leaseId == '' then
    local current = redis.call('HGET', k.leases, id)
    if current ~= false and decode_ulid_time(current) + graceMs > now then return ALREADY_LEASED end
  else
    local fenced = check_lease(k.leases, id, leaseId, now)
    if fenced ~= OK then return fenced end
  end
  redis.call('HDEL', k.items, id)
  redis.call('ZREM', k.ready, id)
  release_item(k, id)
  if tombstoneTtlMs > 0 then
    redis.call('SET', k.tombstone, (now + tombstoneTtlMs) .. '|' .. leaseId, 'PX', tombstoneTtlMs + 86400000)
  end
  return OK
end
