-- save_memo(k, stepId, memoJson, recordJson): saves a step's result, first write wins: an absent
-- field is written, appended to the stack (completion order), counted, and taken out of the
-- pending set; the same bytes again change nothing; other bytes are refused. Callers check with
-- memo_state first, so that a refusal comes before any write. k: {meta, memo, stack, pending, steps}.
local function save_memo(k, stepId, memoJson, recordJson)
  redis.call('HSET', k.memo, stepId, memoJson)
  redis.call('RPUSH', k.stack, stepId)
  redis.call('HINCRBY', k.meta, 'step_count', 1)
  redis.call('HINCRBY', k.meta, 'state_size', #memoJson)
  redis.call('SREM', k.pending, stepId)
  if recordJson ~= '' then redis.call('HSET', k.steps, stepId, recordJson) end
end
