-- readRun: a run as getRun shows it: metadata, trigger events, stack and step records. Reads only.
-- KEYS[1] meta: the run's metadata hash
-- KEYS[2] events: the run's trigger events
-- KEYS[3] stack: the completion order
-- KEYS[4] steps: hash stepId -> step record JSON
-- returns a list: metadata (flat field, value list), events JSON or false, stack, steps (flat list)
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('GET', KEYS[2]),
  redis.call('LRANGE', KEYS[3], 0, -1),
  redis.call('HGETALL', KEYS[4]),
}
