-- runItems: some of a run's queue items, the first by item ID (a set's own order differs from
-- server to server). Reads only.
-- KEYS[1] runItems: the run's queue item IDs
-- KEYS[2] items: the queue's items hash
-- ARGV[1] limit: most items
-- returns a list: item JSONs (false for an ID whose item is gone)
-- @include sorted_members
local ids = sorted_members(KEYS[1])
local picked = {}
for i = 1, math.min(#ids, tonumber(ARGV[1])) do picked[i] = ids[i] end
if #picked == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(picked))
