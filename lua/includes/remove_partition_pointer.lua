-- remove_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId):
-- drops the partition from the global and account indexes; drops the account from the accounts
-- index when it has no partition left, else moves it to its earliest remaining partition.
local function remove_partition_pointer(globalKey, accountsKey, accountPartitionsKey, pid, accountId)
  redis.call('ZREM', globalKey, pid)
  if accountId ~= '' then
    redis.call('ZREM', accountPartitionsKey, pid)
    local first = redis.call('ZRANGE', accountPartitionsKey, 0, 0, 'WITHSCORES')
    if first[1] == nil then
      redis.call('ZREM', accountsKey, accountId)
    else
      redis.call('ZADD', accountsKey, first[2], accountId)
    end
  end
end
