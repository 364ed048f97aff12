-- countItems: how many items the shard holds (ready, leased or waiting for their time). Reads
-- only; a cheap round trip, so it also serves as the shard's health check.
-- KEYS[1] items: hash itemId -> item JSON
-- returns the number of items
return redis.call('HLEN', KEYS[1])
