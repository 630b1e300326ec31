package couponsd

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"
	"time"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func u64p(v uint64) *uint64 { return &v }
func u32p(v uint32) *uint32 { return &v }
func i64p(v int64) *int64   { return &v }

// percentCoupon is a public USD percentage coupon with velocity checks off
// (these tests redeem one coupon as often as they need).
func percentCoupon(code string, bps int64, usageLimit *uint64, perCustomer *uint32) CouponSpec {
	spec := NewCouponSpec(code, DiscountTypePercentage, bps)
	spec.Name = code + " test coupon"
	spec.Currency = "USD"
	spec.UsageLimit = usageLimit
	spec.UsageLimitPerCustomer = perCustomer
	spec.IsPublic = true
	spec.Security.VelocityChecks = false
	return spec
}

func usdOrder(customer string, amount int64) Order {
	return Order{CustomerID: customer, Amount: amount, Currency: "USD"}
}

func mustMoney(t *testing.T, amount, currency string) int64 {
	t.Helper()
	v, err := ParseMoney(amount, currency)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantCode fails unless err is the server error code.
func wantCode(t *testing.T, err error, code ErrorCode) *Error {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("want server error %s, got %v", code, err)
	}
	if se.Code != code {
		t.Fatalf("want server error %s, got %s (%s)", code, se.Code, se.Message)
	}
	return se
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
