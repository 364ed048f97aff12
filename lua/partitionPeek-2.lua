-- partitionPeek: partitions of an index (global, or one account's) due by `until`, with their
-- metadata. Offset selection as in peekByScore.
-- KEYS[1] partition index  KEYS[2] partitions hash
-- ARGV[1] until ms  ARGV[2] limit  ARGV[3] offset fraction in [0, 1), or -1 for score order
-- returns {count due, ids, scores, partition JSONs}
local indexKey, partitionsKey = KEYS[1], KEYS[2]
local untilMs, limit, fraction = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local due = redis.call('ZCOUNT', indexKey, '-inf', untilMs)
local offset = 0
if fraction >= 0 and due > limit then offset = math.floor(fraction * (due - limit + 1)) end
local rows = redis.call('ZRANGE', indexKey, '-inf', untilMs, 'BYSCORE', 'LIMIT', offset, limit, 'WITHSCORES')
local ids, scores = {}, {}
for i = 1, #rows, 2 do
  ids[#ids + 1] = rows[i]
  scores[#scores + 1] = rows[i + 1]
end
if #ids == 0 then return {due, {}, {}, {}} end
return {due, ids, scores, redis.call('HMGET', partitionsKey, unpack(ids))}
