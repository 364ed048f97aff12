-- dequeue_item(k, id, leaseId, now, tombstoneTtlMs): removes a finished item, fenced by its lease.
-- leaseId '' removes an item that is not leased (cancellation); an unexpired lease refuses it (-2).
-- A tombstone holding its expiry time keeps refusing the ID at enqueue until then.
-- k: {items, leases, ready, leased, scavenge, tombstone, inProgress = {...}, pid}.
-- Returns 0 done; -1 not found; -2 leased by someone (unfenced call); -8/-9/-10 as check_lease.
-- @include check_lease
-- @include release_item
-- @include update_scavenger_pointer
local function dequeue_item(k, id, leaseId, now, tombstoneTtlMs)
  if redis.call('HEXISTS', k.items, id) == 0 then return -1 end
  if leaseId == '' then
    local current = redis.call('HGET', k.leases, id)
    if current ~= false and decode_ulid_time(current) > now then return -2 end
  else
    local fenced = check_lease(k.leases, id, leaseId, now)
    if fenced ~= 0 then return fenced end
  end
  redis.call('HDEL', k.items, id)
  redis.call('ZREM', k.ready, id)
  release_item(k, id)
  if tombstoneTtlMs > 0 then
    redis.call('SET', k.tombstone, now + tombstoneTtlMs, 'PX', tombstoneTtlMs + 86400000)
  end
  update_scavenger_pointer(k.scavenge, k.leased, k.pid)
  return 0
end
