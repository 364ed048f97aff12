-- sorted_members(key): a set's members in byte order. A set's own order differs from server to
-- server (Redis seeds its hash function at start-up), and Lua's `<` on strings follows the
-- server's locale (strcoll), so neither may decide the order in which a script acts on them.
local function byte_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function sorted_members(key)
  local members = redis.call('SMEMBERS', key)
  table.sort(members, byte_less)
  return members
end
