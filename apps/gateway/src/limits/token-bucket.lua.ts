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
local function refill(key, capacity, rate, now)
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
  return level, ts
end

local function store(key, capacity, rate, level, ts)
  redis.call('HSET', key, 'level', tostring(level), 'ts', tostring(ts))
  redis.call('PEXPIRE', key, math.ceil(2 * capacity / rate) + 1000)
end

local function take(key, capacity, rate, need, cost, now)
  local level, ts = refill(key, capacity, rate, now)
  local allowed = 0
  local wait = 0
  if level >= need then
    allowed = 1
    level = math.max(-capacity, level - cost)
  else
    wait = math.ceil((need - level) / rate)
  end
  store(key, capacity, rate, level, ts)
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
 * When both allow, up to `want` - 1 more requests are taken in the same call,
 * as far as the requests bucket holds them: paid for ahead by the gateway,
 * which then admits that many later requests without a round trip each.
 * KEYS[1] requests bucket, KEYS[2] tokens bucket
 * ARGV: requests capacity, requests rate per ms, tokens capacity, tokens rate per ms, now ms, want (default 1)
 * Returns { refused by: 0 none | 1 requests | 2 tokens, ms until that bucket allows,
 * and when admitted: requests left, tokens left (as strings), requests taken (1..want) }.
 */
export const ADMISSION_BUCKETS_LUA = `${TAKE_FUNCTION}
local now = tonumber(ARGV[5])
local want = tonumber(ARGV[6]) or 1
local requestsCapacity, requestsRate = tonumber(ARGV[1]), tonumber(ARGV[2])
local level, ts = refill(KEYS[1], requestsCapacity, requestsRate, now)
if level < 1 then
  store(KEYS[1], requestsCapacity, requestsRate, level, ts)
  return { 1, math.ceil((1 - level) / requestsRate) }
end
local tokensAllowed, tokensLeft, tokensWait = take(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), 1, 0, now)
local taken = 1
if tokensAllowed == 1 then taken = math.max(1, math.min(want, math.floor(level))) end
local requestsLeft = math.max(-requestsCapacity, level - taken)
store(KEYS[1], requestsCapacity, requestsRate, requestsLeft, ts)
if tokensAllowed == 0 then return { 2, tokensWait } end
return { 0, 0, tostring(requestsLeft), tostring(tokensLeft), taken }
`;
