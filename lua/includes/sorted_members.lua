-- sorted_members(key): a set's members in byte order. A set's own order differs from server to
-- server (Redis seeds its hash function at start-up), and so does Lua's `<` (see byte_less), so
-- neither may decide the order in which a script acts on them.
-- @include byte_less
local function sorted_members(key)
  local members = redis.call('SMEMBERS', key)
  table.sort(members, byte_less)
  return members
end
