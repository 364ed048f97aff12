-- run_is_open(metaKey): whether steps may still commit to the run, and its stored status. A run
-- whose metadata is gone (never created, or its retention ran out) or that reached a terminal
-- status (completed, failed, cancelled) is closed: nothing commits to it any more. An error names
-- the run when its metadata has a schema version this code does not know (RUN_VERSION in
-- src/state/run.ts), before the caller's first write.
local function run_is_open(metaKey)
  local RUN_VERSION = '1'
  local fields = redis.call('HMGET', metaKey, 'status', 'v')
  local status, version = fields[1], fields[2]
  if status == false then return false, nil end
  if version ~= RUN_VERSION then
    error('durq: run ' .. metaKey .. ' has schema version ' .. tostring(version) .. ', this durq knows ' .. RUN_VERSION)
  end
  return status == 'scheduled' or status == 'running', status
end
