-- peekByScore: members of an index (accounts, scavenger) whose score is <= until. When more are
-- due than `limit`, a window starts at an offset chosen by ARGV[3] (a fraction in [0, 1) from the
-- caller's seeded random; -1 = from the start, in score order).
-- KEYS[1] sorted set
-- ARGV[1] until ms  ARGV[2] limit  ARGV[3] offset fraction or -1
-- returns {count due, ids, scores}
-- @include peek_index_window
local indexKey = KEYS[1]
local untilMs, limit, fraction = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local due, ids, scores = peek_index_window(indexKey, untilMs, limit, fraction)
return {due, ids, scores}
