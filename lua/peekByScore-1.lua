-- peekByScore: members of an index (accounts, scavenger) whose score is <= until. When more are
-- due than `limit`, a window starts at an offset chosen by ARGV[3] (a fraction in [0, 1) from the
-- caller's seeded random; -1 = from the start, in score order).
-- KEYS[1] sorted set
-- ARGV[1] until ms  ARGV[2] limit  ARGV[3] offset fraction or -1
-- returns {count due, ids, scores}
local indexKey = KEYS[1]
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
return {due, ids, scores}
