-- Durable coupon redeem for PostgreSQL 15 (fsync on, synchronous_commit on), the
-- same semantics as couponsd's redeem and redeem.lua for Redis: one function
-- call is one transaction (pgbench sends it in autocommit mode).

CREATE TABLE coupons (
    id                 bigserial PRIMARY KEY,
    code               text    NOT NULL UNIQUE,
    active             boolean NOT NULL DEFAULT true,
    usage_limit        bigint  NOT NULL,
    used               bigint  NOT NULL DEFAULT 0,
    per_customer_limit bigint  NOT NULL,
    percent_off        integer NOT NULL,
    max_discount       bigint  NOT NULL
);

CREATE TABLE coupon_customers (
    coupon_id bigint NOT NULL,
    customer  text   NOT NULL,
    uses      bigint NOT NULL,
    PRIMARY KEY (coupon_id, customer)
);

-- The redemption record; its unique (coupon_id, order_id) index is the
-- idempotency entry.
CREATE TABLE redemptions (
    id         bigserial   PRIMARY KEY,
    coupon_id  bigint      NOT NULL,
    order_id   text        NOT NULL,
    customer   text        NOT NULL,
    amount     bigint      NOT NULL,
    discount   bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (coupon_id, order_id)
);

CREATE FUNCTION redeem(p_code text, p_order_id text, p_customer text, p_amount bigint,
                       OUT status text, OUT redemption_id bigint,
                       OUT discount_amount bigint, OUT replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    c coupons%ROWTYPE;
BEGIN
    replayed := false;
    -- The row lock serializes redeems of one coupon until commit.
    SELECT * INTO c FROM coupons WHERE code = p_code FOR UPDATE;
    IF NOT FOUND THEN status := 'not_found'; RETURN; END IF;
    IF NOT c.active THEN status := 'inactive'; RETURN; END IF;

    SELECT r.id, r.discount INTO redemption_id, discount_amount
      FROM redemptions r WHERE r.coupon_id = c.id AND r.order_id = p_order_id;
    IF FOUND THEN status := 'ok'; replayed := true; RETURN; END IF;

    IF c.usage_limit - c.used <= 0 THEN status := 'exhausted'; RETURN; END IF;
    IF c.per_customer_limit < 1 THEN status := 'customer_limit'; RETURN; END IF;
    INSERT INTO coupon_customers AS cc (coupon_id, customer, uses)
         VALUES (c.id, p_customer, 1)
    ON CONFLICT (coupon_id, customer)
         DO UPDATE SET uses = cc.uses + 1 WHERE cc.uses < c.per_customer_limit;
    IF NOT FOUND THEN status := 'customer_limit'; RETURN; END IF;

    discount_amount := least(p_amount * c.percent_off / 100, c.max_discount);
    UPDATE coupons SET used = used + 1 WHERE id = c.id;
    INSERT INTO redemptions (coupon_id, order_id, customer, amount, discount)
         VALUES (c.id, p_order_id, p_customer, p_amount, discount_amount)
      RETURNING id INTO redemption_id;
    status := 'ok';
END
$$;

-- Bench coupons PREFIX-0 .. PREFIX-(n-1): 10% off capped at 50.00, limits
-- large enough never to be reached (like couponsd bench's own coupons).
CREATE FUNCTION create_bench_coupons(prefix text, n integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO coupons (code, usage_limit, per_customer_limit, percent_off, max_discount)
    SELECT prefix || '-' || g, 1000000000000, 1000000000, 10, 5000
      FROM generate_series(0, n - 1) AS g;
$$;
