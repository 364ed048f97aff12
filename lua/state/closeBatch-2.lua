-- closeBatch: closes a batch to new events (when its timer fires; a full batch is closed
-- already) and answers its events, so that whoever starts its run starts it with all of them.
-- Closing twice is harmless. An open batch's pointer still names it: the next append finds it
-- closed and opens a new batch, so this script needs no pointer.
-- KEYS[1] batches: hash batchId -> batch JSON {fn, n, b, s}
-- KEYS[2] batchEvents: hash '<batchId>/<i>' -> event JSON
-- ARGV[1] batchId
-- returns 0 OK: closed (second element: the function ID; then the events' JSON, in order)
-- returns -1 NOT_FOUND: no such batch (its run was started and the batch deleted)
local OK, NOT_FOUND = 0, -1
local batchId = ARGV[1]

local raw = redis.call('HGET', KEYS[1], batchId)
if raw == false then return {NOT_FOUND} end
local batch = cjson.decode(raw)
if batch.s ~= 'closed' then
  batch.s = 'closed'
  redis.call('HSET', KEYS[1], batchId, cjson.encode(batch))
end
local reply = {OK, batch.fn}
for i = 1, batch.n do reply[#reply + 1] = redis.call('HGET', KEYS[2], batchId .. '/' .. i) end
return reply
