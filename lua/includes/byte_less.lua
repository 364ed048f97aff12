-- byte_less(a, b): whether string a sorts before b byte by byte, as a comparator for table.sort.
-- Lua's own `<` on strings follows the server's locale (strcoll), which differs between servers.
local function byte_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
