-- remove_item(k, id, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs): the
-- writes of a dequeue whose checks passed (dequeue_status, check_partition_version): drops the
-- item and every trace of its lease, leaves its tombstone, and garbage-collects or re-points its
-- partition. k: {items, leases, ready, leased, scavenger, tombstone, partitions, global, accounts,
-- accountPartitions, inProgress = {key, ...}}. dequeue and the run-state scripts share it.
-- @include release_item
-- @include write_tombstone
-- @include track_earliest
-- @include after_items_removed
local function remove_item(k, id, pid, leaseId, now, tombstoneTtlMs, accountId, wakeChannel, graceMs)
  redis.call('HDEL', k.items, id)
  redis.call('ZREM', k.ready, id)
  release_item({leases = k.leases, leased = k.leased, inProgress = k.inProgress}, id)
  write_tombstone(k.tombstone, now, tombstoneTtlMs, leaseId)
  track_earliest(k.scavenger, k.leased, pid)
  after_items_removed({
    partitions = k.partitions, global = k.global, accounts = k.accounts,
    accountPartitions = k.accountPartitions, ready = k.ready, leased = k.leased,
  }, pid, accountId, now, graceMs, wakeChannel)
end
