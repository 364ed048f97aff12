-- remove_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId):
-- drops the partition from the global and account indexes; drops the account from the accounts
-- index when it has no partition left, else moves it to its earliest remaining partition.
-- @include track_earliest
local function remove_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId)
  redis.call('ZREM', globalKey, pid)
  if accountId ~= '' then
    redis.call('ZREM', accountPartitionsKey, pid)
    track_earliest(accountsKey, accountPartitionsKey, accountId)
  end
end
