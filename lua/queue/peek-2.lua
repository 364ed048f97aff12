-- peek: the ready items of one partition due by `until`, in score order. Leased items are never
-- in a ready set, so they are excluded.
-- KEYS[1] ready: the partition's ready set
-- KEYS[2] items: hash itemId -> item JSON
-- ARGV[1] untilMs: inclusive
-- ARGV[2] limit
-- reply {ids, item JSONs, scores}
local readyKey, itemsKey = KEYS[1], KEYS[2]
local untilMs, limit = ARGV[1], tonumber(ARGV[2])

local rows = redis.call('ZRANGE', readyKey, '-inf', untilMs, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
local ids, scores = {}, {}
for i = 1, #rows, 2 do
  ids[#ids + 1] = rows[i]
  scores[#scores + 1] = rows[i + 1]
end
if #ids == 0 then return {{}, {}, {}} end
return {ids, redis.call('HMGET', itemsKey, unpack(ids)), scores}
