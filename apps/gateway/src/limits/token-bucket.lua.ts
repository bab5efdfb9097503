/**
 * One atomic token-bucket operation (runs inside Redis, so concurrent gateways
 * never double-spend). The bucket refills continuously at `rate` per ms up to
 * `capacity`; a request is allowed when the level is at least `need`, and then
 * `cost` is taken. `need` ≤ `cost` is a normal take; need 0 with a large cost
 * is a post-hoc debit that may push the level negative (down to -capacity), so
 * heavy users wait for the debt to refill.
 *
 * KEYS[1] bucket hash { level, ts }
 * ARGV: capacity, rate per ms, need, cost, now ms
 * Returns { allowed 0|1, level as string, ms until `need` is available }.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local need = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(state[1])
local ts = tonumber(state[2])
if level == nil or ts == nil then
  level = capacity
  ts = now
end
if now > ts then
  level = math.min(capacity, level + (now - ts) * rate)
  ts = now
end
local allowed = 0
local wait = 0
if level >= need then
  allowed = 1
  level = math.max(-capacity, level - cost)
else
  wait = math.ceil((need - level) / rate)
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * capacity / rate) + 1000)
return { allowed, tostring(level), wait }
`;
