-- loadRun: what a step needs, in one round trip: the run's metadata, trigger events, memo,
-- stack and pending set, and the function's stored definition. Reads only.
-- KEYS[1] meta: the run's metadata hash
-- KEYS[2] events: the run's trigger events
-- KEYS[3] memo: hash stepId -> memo JSON
-- KEYS[4] stack: the completion order
-- KEYS[5] pending: the parallel steps still outstanding
-- KEYS[6] functions: hash functionId -> function JSON
-- ARGV[1] functionId
-- returns a list: metadata (flat field, value list), events JSON or false, memo (flat list),
--   stack, pending members (in byte order: see sorted_members), function
--   JSON or false
-- @include sorted_members
local pending = sorted_members(KEYS[5])
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('GET', KEYS[2]),
  redis.call('HGETALL', KEYS[3]),
  redis.call('LRANGE', KEYS[4], 0, -1),
  pending,
  redis.call('HGET', KEYS[6], ARGV[1]),
}
