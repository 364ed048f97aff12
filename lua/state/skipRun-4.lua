-- skipRun: records a run that flow control skipped (rate limit, idempotency, singleton) so that
-- it shows where runs are listed: metadata with status 'skipped', the reason and its end time,
-- its trigger events and its place in the first event's run list, kept for retentionMs as an
-- ended run's are. It has no queue item, pause or finish item: a skipped run emits no event. It
-- takes the run idempotency key as an ended run does ('-<runId>|<expiry ms>'), so a retried
-- Schedule of the same run answers this record. While the key names a run (not expired),
-- nothing is written and that run answers. Checks come before any write.
-- KEYS[1] idempotency: the run's idempotency key
-- KEYS[2] meta: the run's metadata hash
-- KEYS[3] events: the run's trigger events (JSON array)
-- KEYS[4] eventRuns: hash runId -> functionId, the runs the first trigger event started
-- ARGV[1] runId
-- ARGV[2] idempotencyTtlMs: how long the key refuses a second run
-- ARGV[3] metaJson: the metadata fields, a flat JSON object of strings
-- ARGV[4] eventsJson
-- ARGV[5] now: ms
-- ARGV[6] reason: 'rate-limit', 'idempotency' or 'singleton'
-- ARGV[7] retentionMs: how long the record is kept
-- ARGV[8] eventRunsTtlMs: how long the event's run list is kept
-- returns 0 OK: recorded (second element: the run ID)
-- returns 3 RUN_EXISTS: the key belongs to a run that has not ended (second element: its ID)
-- returns 4 RUN_SKIPPED: the key belongs to a run that ended or was skipped (second element: its ID)
local OK, RUN_EXISTS, RUN_SKIPPED = 0, 3, 4
local runId, idemTtl, metaJson, eventsJson = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local now, reason, retentionMs = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local eventRunsTtlMs = tonumber(ARGV[8])

local held = redis.call('GET', KEYS[1])
if held ~= false then
  local holder, expiry = string.match(held, '^([^|]*)|(.*)$')
  if tonumber(expiry) > now then
    if string.sub(holder, 1, 1) == '-' then return {RUN_SKIPPED, string.sub(holder, 2)} end
    return {RUN_EXISTS, holder}
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {RUN_SKIPPED, runId} end

redis.call('SET', KEYS[1], '-' .. runId .. '|' .. (now + idemTtl), 'PX', idemTtl)
local meta = cjson.decode(metaJson)
meta.status, meta.skip, meta.ended_at = 'skipped', reason, tostring(now)
local fields = {}
for field, value in pairs(meta) do
  fields[#fields + 1] = field
  fields[#fields + 1] = value
end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SET', KEYS[3], eventsJson)
redis.call('PEXPIRE', KEYS[2], retentionMs)
redis.call('PEXPIRE', KEYS[3], retentionMs)
redis.call('HSET', KEYS[4], runId, meta.fn)
redis.call('PEXPIRE', KEYS[4], eventRunsTtlMs)
return {OK, runId}
