-- set_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId, score):
-- writes the partition's score into the global and account partition indexes and keeps the
-- account's score in the accounts index equal to its earliest partition. accountId '' = no account.
-- @include track_earliest
local function set_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId, score)
  redis.call('ZADD', globalKey, score, pid)
  if accountId ~= '' then
    redis.call('ZADD', accountPartitionsKey, score, pid)
    track_earliest(accountsKey, accountPartitionsKey, accountId)
  end
end
