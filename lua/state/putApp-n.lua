-- putApp: registers an app's functions, replacing its previous ones atomically: functions the
-- app no longer has are removed (and so no longer triggered), the others written anew, and the
-- registry version moves, so that processes reload their copy. A registration that changes
-- nothing (the same app JSON and the same JSON for each function: an app re-syncing as it
-- restarts) writes nothing and leaves the version, so that no process reloads for it.
-- KEYS[1] apps: hash appId -> app JSON (its URL and function IDs)
-- KEYS[2] functions: hash functionId -> function JSON
-- KEYS[3] registryVersion: a counter, raised on every change
-- ARGV[1] appId
-- ARGV[2] appJson
-- ARGV[3] count: the number of entries
-- ARGV per entry (2): functionId, functionJson
-- returns 0 OK (second element: the registry version; third: 1 when anything changed, else 0)
local OK = 0
local appId, appJson, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
local previous = redis.call('HGET', KEYS[1], appId)
-- The app JSON lists the function IDs, so an equal one means the same set of functions.
local same = previous == appJson
for i = 1, count do
  if not same then break end
  same = redis.call('HGET', KEYS[2], ARGV[3 + 2 * i - 1]) == ARGV[3 + 2 * i]
end
if same then return {OK, tonumber(redis.call('GET', KEYS[3]) or '0'), 0} end
local keep = {}
for i = 1, count do keep[ARGV[3 + 2 * i - 1]] = true end
if previous ~= false then
  for _, fnId in ipairs(cjson.decode(previous).functionIds) do
    if not keep[fnId] then redis.call('HDEL', KEYS[2], fnId) end
  end
end
for i = 1, count do redis.call('HSET', KEYS[2], ARGV[3 + 2 * i - 1], ARGV[3 + 2 * i]) end
redis.call('HSET', KEYS[1], appId, appJson)
return {OK, redis.call('INCR', KEYS[3]), 1}
