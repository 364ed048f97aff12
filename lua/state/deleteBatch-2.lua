-- deleteBatch: removes a closed batch and its events once its run exists. Deleting twice, or a
-- batch that is gone, is harmless. An open batch is left alone (only a closed one has a run).
-- KEYS[1] batches: hash batchId -> batch JSON {fn, n, b, s}
-- KEYS[2] batchEvents: hash '<batchId>/<i>' -> event JSON
-- ARGV[1] batchId
-- returns 0 OK: deleted
-- returns -1 NOT_FOUND: no such batch
-- returns 53 BATCH_OPEN: the batch is still open; nothing deleted
local OK, NOT_FOUND, BATCH_OPEN = 0, -1, 53
local batchId = ARGV[1]

local raw = redis.call('HGET', KEYS[1], batchId)
if raw == false then return NOT_FOUND end
local batch = cjson.decode(raw)
if batch.s ~= 'closed' then return BATCH_OPEN end
for i = 1, batch.n do redis.call('HDEL', KEYS[2], batchId .. '/' .. i) end
redis.call('HDEL', KEYS[1], batchId)
return OK
