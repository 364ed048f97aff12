-- partitionPeek: partitions of an index (global, or one account's) due by `until`, with their
-- metadata. Offset selection as in peekByScore.
-- KEYS[1] index: the global or an account's partition index
-- KEYS[2] partitions: hash pid -> partition JSON
-- ARGV[1] untilMs: inclusive
-- ARGV[2] limit
-- ARGV[3] offsetFraction: in [0, 1), or -1 for score order from the start
-- reply {count due, ids, scores, partition JSONs, earliest score in the index or -1 if empty}
-- @include peek_index_window
local NO_EARLIEST = -1
local indexKey, partitionsKey = KEYS[1], KEYS[2]
local untilMs, limit, fraction = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)
local first = redis.call('ZRANGE', indexKey, 0, 0, 'WITHSCORES')
local earliest = NO_EARLIEST
if first[2] ~= nil then earliest = first[2] end
if #ids == 0 then return {due, {}, {}, {}, earliest} end
return {due, ids, scores, redis.call('HMGET', partitionsKey, unpack(ids)), earliest}
