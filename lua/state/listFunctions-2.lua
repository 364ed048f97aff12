-- listFunctions: the registry version and, when it differs from the caller's, every registered
-- function (so that a process refreshes its copy in one round trip, and only after a change).
-- KEYS[1] functions: hash functionId -> function JSON
-- KEYS[2] registryVersion: a counter, raised on every change
-- ARGV[1] knownVersion: the version the caller holds ('' for none)
-- returns a list: the version, then the flat functionId, JSON list (empty when unchanged)
local version = redis.call('GET', KEYS[2]) or '0'
if version == ARGV[1] then return {version, {}} end
return {version, redis.call('HGETALL', KEYS[1])}
