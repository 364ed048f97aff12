-- partitionPeek: partitions of an index (global, or one account's) due by `until`, with their
-- metadata. Offset selection as in peekByScore.
-- KEYS[1] partition index  KEYS[2] partitions hash
-- ARGV[1] until ms  ARGV[2] limit  ARGV[3] offset fraction in [0, 1), or -1 for score order
-- returns {count due, ids, scores, partition JSONs}
-- @include peek_index_window
local indexKey, partitionsKey = KEYS[1], KEYS[2]
local untilMs, limit, fraction = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)
if #ids == 0 then return {due, {}, {}, {}} end
return {due, ids, scores, redis.call('HMGET', partitionsKey, unpack(ids))}
