-- dequeue_item(k, id, leaseId, now, tombstoneTtlMs, graceMs): removes a finished item if
-- dequeue_status allows it. A tombstone '<expiry ms>|<leaseId>' keeps refusing the ID at enqueue
-- until its expiry, and makes a repeated dequeue by the same lease succeed again.
-- k: {items, leases, ready, leased, tombstone, inProgress = {...}}. The caller then updates the
-- partition's scavenger pointer and calls after_items_removed.
-- Returns dequeue_status's answer.
-- @include dequeue_status
-- @include release_item
local function dequeue_item(k, id, leaseId, now, tombstoneTtlMs, graceMs)
  local OK = 0
  local status, present = dequeue_status(k, id, leaseId, redis.call('HGET', k.leases, id), now, graceMs)
  if status ~= OK or not present then return status end
  redis.call('HDEL', k.items, id)
  redis.call('ZREM', k.ready, id)
  release_item(k, id)
  if tombstoneTtlMs > 0 then
    redis.call('SET', k.tombstone, (now + tombstoneTtlMs) .. '|' .. leaseId, 'PX', tombstoneTtlMs + 86400000)
  end
  return OK
end
