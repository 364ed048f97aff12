-- pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey, pid, accountId,
--                        score, now, graceMs, clearForce, wakeChannel):
-- moves the partition pointer earlier, to max(score, now), never later. A leased partition (its
-- lease live for others: with the clock-skew grace) is left alone (its holder requeues it), but
-- with clearForce (capacity was freed) it is marked `freed`, so that its holder's requeue cannot
-- force it (that wake-up would be lost otherwise); a forced one is left alone too, unless
-- clearForce, which also clears the force. When it moves the pointer it publishes the new score
-- on wakeChannel (unless '') so that idle processors wake at once instead of polling.
-- @include decode_partition
-- @include set_partition_pointer
-- @include lease_is_live
local function pull_partition_pointer(partitionsKey, globalKey, accountsKey, accountPartitionsKey,
                                      pid, accountId, score, now, graceMs, clearForce, wakeChannel)
  if score < now then score = now end
  local current = redis.call('ZSCORE', globalKey, pid)
  if current ~= false and tonumber(current) <= score then return end
  local raw = redis.call('HGET', partitionsKey, pid)
  if raw ~= false then
    local p = decode_partition(raw, pid)
    if p.leaseId ~= nil and lease_is_live(p.leaseId, now, graceMs) then
      if clearForce and not p.freed then
        p.freed = true
        redis.call('HSET', partitionsKey, pid, cjson.encode(p))
      end
      return
    end
    if p.forcedUntil ~= nil and p.forcedUntil > now then
      if not clearForce then return end
      p.forcedUntil = nil
      redis.call('HSET', partitionsKey, pid, cjson.encode(p))
    end
  end
  set_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId, score)
  if wakeChannel ~= '' then redis.call('PUBLISH', wakeChannel, score) end
end
