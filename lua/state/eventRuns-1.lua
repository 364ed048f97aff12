-- eventRuns: the runs an event started, as a flat runId, functionId list. Reads only.
-- KEYS[1] eventRuns: hash runId -> functionId
-- returns a flat list: runId, functionId, ...
return redis.call('HGETALL', KEYS[1])
