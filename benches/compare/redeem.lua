-- Durable coupon redeem for Redis 7 (run with appendonly yes, appendfsync always),
-- the same semantics as couponsd's redeem and PostgreSQL's redeem() in schema.sql.
--
-- KEYS[1]  the coupon: a hash with active, usage_limit, used, per_customer_limit,
--          percent_off, max_discount, plus "c:<customer>" per-customer use counts
--          and "o:<order id>" idempotency entries ("<redemption id> <discount>").
--          Everything about one coupon lives in this one key, so that a
--          redis-benchmark command line (where every __rand_int__ is drawn
--          independently) names one coupon consistently.
-- KEYS[2]  the redemption log: a stream shared by all coupons.
-- ARGV     customer id, order id, order amount (integer, minor units).
-- Returns  {status, redemption id, discount, replayed}: status "ok" or the reason
--          the coupon does not apply; replayed 1 when the order had already
--          redeemed this coupon (the original result, nothing changed).
local coupon, log = KEYS[1], KEYS[2]
local customer, order_id, amount = ARGV[1], ARGV[2], ARGV[3]

local c = redis.call('HMGET', coupon, 'active', 'usage_limit', 'used',
  'per_customer_limit', 'percent_off', 'max_discount')
if not c[1] then return {'not_found', '', 0, 0} end
if c[1] ~= '1' then return {'inactive', '', 0, 0} end

local prior = redis.call('HGET', coupon, 'o:' .. order_id)
if prior then
  local id, discount = string.match(prior, '^(%S+) (%d+)$')
  return {'ok', id, tonumber(discount), 1}
end

if tonumber(c[2]) - tonumber(c[3]) <= 0 then return {'exhausted', '', 0, 0} end
local ckey = 'c:' .. customer
if tonumber(redis.call('HGET', coupon, ckey) or '0') >= tonumber(c[4]) then
  return {'customer_limit', '', 0, 0}
end

-- 10% of the amount, capped (integers: amounts here stay far below 2^53).
local discount = math.min(math.floor(tonumber(amount) * tonumber(c[5]) / 100), tonumber(c[6]))
local t = redis.call('TIME')
local ts_ms = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))

redis.call('HINCRBY', coupon, 'used', 1)
redis.call('HINCRBY', coupon, ckey, 1)
local id = redis.call('XADD', log, '*', 'coupon', coupon, 'order', order_id,
  'customer', customer, 'amount', amount, 'discount', tostring(discount), 'ts', ts_ms)
redis.call('HSET', coupon, 'o:' .. order_id, id .. ' ' .. discount)
return {'ok', id, discount, 0}
