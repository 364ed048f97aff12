-- memo_state(memoKey, stepId, memoJson): 'new' when the step has no saved result, 'same' when it
-- holds these bytes (a repeat: harmless), 'other' when it holds different ones (refused).
local function memo_state(memoKey, stepId, memoJson)
  local stored = redis.call('HGET', memoKey, stepId)
  if stored == false then return 'new' end
  if stored == memoJson then return 'same' end
  return 'other'
end
