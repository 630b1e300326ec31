package couponsd

import (
	"errors"
	"testing"
	"time"
)

// Each error code the scenario can provoke on one server, through the
// typed error the client returns.
func TestErrorCodes(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	provoked := map[ErrorCode]bool{}
	expect := func(err error, code ErrorCode) {
		t.Helper()
		wantCode(t, err, code)
		if !errors.Is(err, &Error{Code: code, sentinel: true}) || Code(err) != code {
			t.Fatalf("%v does not match its sentinel", err)
		}
		provoked[code] = true
	}
	limited := percentCoupon("ERR1", 1000, u64p(2), u32p(1))
	limited.MinOrderAmount = i64p(1000)
	if _, err := c.CreateCoupon(ctx, limited); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateCoupon(ctx, limited)
	expect(err, CodeAlreadyExists)

	bad := percentCoupon("BADCUR", 1000, nil, nil)
	bad.Currency = "XXQ"
	_, err = c.CreateCoupon(ctx, bad)
	expect(err, CodeInvalidArgument)

	_, err = c.Redeem(ctx, RedeemRequest{Code: "NO-SUCH-CODE", OrderID: "e-0", Order: usdOrder("a", 5000)})
	expect(err, CodeNotFound)
	_, err = c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-1", Order: usdOrder("a", 500)})
	expect(err, CodeMinOrderNotMet)
	eur := usdOrder("a", 5000)
	eur.Currency = "EUR"
	_, err = c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-1", Order: eur})
	expect(err, CodeCurrencyMismatch)

	r, err := c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-1", Order: usdOrder("a", 5000)})
	if err != nil {
		t.Fatal(err)
	}
	// A retry of the order with another amount.
	_, err = c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-1", Order: usdOrder("a", 6000)})
	expect(err, CodeConflict)
	_, err = c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-2", Order: usdOrder("a", 5000)})
	expect(err, CodeCustomerLimit)
	if _, err := c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-3", Order: usdOrder("b", 5000)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Redeem(ctx, RedeemRequest{Code: "ERR1", OrderID: "e-4", Order: usdOrder("c", 5000)})
	expect(err, CodeExhausted)
	_, err = c.Release(ctx, RedemptionByID(r.Redemption.ID))
	expect(err, CodeInvalidState)
	if _, err := c.Reverse(ctx, RedemptionByID(r.Redemption.ID), "refund"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Reverse(ctx, RedemptionByID(r.Redemption.ID), "refund")
	expect(err, CodeAlreadyReversed)

	// Windows and status.
	now := time.Now().UnixMilli()
	later := percentCoupon("LATER", 1000, nil, nil)
	later.StartsAt = i64p(now + 3600_000)
	over := percentCoupon("OVER", 1000, nil, nil)
	over.StartsAt, over.EndsAt = i64p(now-7200_000), i64p(now-3600_000)
	off := percentCoupon("OFF", 1000, nil, nil)
	off.Status = AdminStatusInactive
	for _, spec := range []CouponSpec{later, over, off} {
		if _, err := c.CreateCoupon(ctx, spec); err != nil {
			t.Fatalf("%s: %v", spec.Code, err)
		}
	}
	_, err = c.Redeem(ctx, RedeemRequest{Code: "LATER", OrderID: "w-1", Order: usdOrder("a", 5000)})
	expect(err, CodeNotStarted)
	_, err = c.Redeem(ctx, RedeemRequest{Code: "OVER", OrderID: "w-1", Order: usdOrder("a", 5000)})
	expect(err, CodeExpired)
	_, err = c.Redeem(ctx, RedeemRequest{Code: "OFF", OrderID: "w-1", Order: usdOrder("a", 5000)})
	expect(err, CodeInactive)

	// An update with a stale revision.
	cp, _ := c.GetCoupon(ctx, CouponByCode("LATER"))
	_, err = c.UpdateCoupon(ctx, cp.ID, cp.Revision+5, cp.Spec)
	expect(err, CodeConflict)

	// A hold before the window is refused as a redemption is.
	_, err = c.Reserve(ctx, ReserveRequest{Code: "LATER", OrderID: "x", TTLMS: 100, Order: usdOrder("a", 5000)})
	expect(err, CodeNotStarted)

	// An opcode the server does not know, and a body that does not decode:
	// the connection stays open after both.
	_, err = c.Raft(ctx, 0x7777, nil)
	expect(err, CodeUnknownOpcode)
	_, err = c.Do(ctx, RaftRequest{Op: OpCouponGet, Body: []byte{9}})
	expect(err, CodeMalformedFrame)
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("the connection did not stay open: %v", err)
	}
	// A request over the server's frame limit is refused before it is sent.
	huge := percentCoupon("HUGE", 1000, nil, nil)
	huge.Description = string(make([]byte, 60000))
	for i := 0; i < 20; i++ {
		huge.CustomerSegments = append(huge.CustomerSegments, huge.Description)
	}
	_, err = c.CreateCoupon(ctx, huge)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("want TooLargeError, got %v", err)
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("provoked %d error codes: %v", len(provoked), provoked)
}
