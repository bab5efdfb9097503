/**
 * One token-bucket operation as a Lua function (runs inside Redis, so
 * concurrent gateways never double-spend). The bucket refills continuously at
 * `rate` per ms up to `capacity`; a request is allowed when the level is at
 * least `need`, and then `cost` is taken. `need` ≤ `cost` is a normal take;
 * need 0 with a large cost is a post-hoc debit that may push the level negative
 * (down to -capacity), so heavy users wait for the debt to refill.
 * Returns allowed 0|1, the level, ms until `need` is available.
 */
const TAKE_FUNCTION = `
local function take(key, capacity, rate, need, cost, now)
  local state = redis.call('HMGET', key, 'level', 'ts')
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
  redis.call('HSET', key, 'level', tostring(level), 'ts', tostring(ts))
  redis.call('PEXPIRE', key, math.ceil(2 * capacity / rate) + 1000)
  return allowed, level, wait
end
`;

/**
 * One bucket.
 * KEYS[1] bucket hash { level, ts }
 * ARGV: capacity, rate per ms, need, cost, now ms
 * Returns { allowed 0|1, level as string, ms until `need` is available }.
 */
export const TOKEN_BUCKET_LUA = `${TAKE_FUNCTION}
local allowed, level, wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
return { allowed, tostring(level), wait }
`;

/**
 * Admission in one round trip: takes 1 from the requests bucket; only if that
 * is allowed, checks the tokens bucket holds at least 1 (taking nothing: usage
 * is charged when the request ends). Same effects as the two single-bucket
 * calls in that order (a request refused on tokens still spent its request).
 * KEYS[1] requests bucket, KEYS[2] tokens bucket
 * ARGV: requests capacity, requests rate per ms, tokens capacity, tokens rate per ms, now ms
 * Returns { refused by: 0 none | 1 requests | 2 tokens, ms until that bucket allows,
 * and when admitted: requests left, tokens left (as strings) }.
 */
export const ADMISSION_BUCKETS_LUA = `${TAKE_FUNCTION}
local now = tonumber(ARGV[5])
local allowed, level, wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), 1, 1, now)
if allowed == 0 then return { 1, wait } end
local requestsLeft = level
allowed, level, wait = take(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), 1, 0, now)
if allowed == 0 then return { 2, wait } end
return { 0, 0, tostring(requestsLeft), tostring(level) }
`;
