package couponsd

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The conformance scenario every client runs against the real server.

func TestSeedExample(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	spec := percentCoupon("SEED20", 2000, nil, nil)
	spec.MaxDiscountAmount = i64p(mustMoney(t, "50.00", "USD"))
	if _, err := c.CreateCoupon(ctx, spec); err != nil {
		t.Fatal(err)
	}
	order := usdOrder("customer-1", mustMoney(t, "150.00", "USD"))
	v, err := c.Validate(ctx, "seed20", order)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Valid || FormatMoney(v.DiscountAmount, v.Currency) != "30.00" {
		t.Fatalf("validation %+v: want valid, discount 30.00", v)
	}
	r, err := c.Redeem(ctx, RedeemRequest{Code: "SEED20", OrderID: "order-1", Order: order})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Redemption
	if FormatMoney(got.DiscountAmount, got.Currency) != "30.00" || FormatMoney(got.FinalAmount, got.Currency) != "120.00" ||
		got.Status != RedemptionStatusProcessed || r.Replayed {
		t.Fatalf("redemption %+v", r)
	}
	// The cap: 20 % of 300.00 is 60.00, capped at 50.00.
	v, err = c.Validate(ctx, "SEED20", usdOrder("customer-2", mustMoney(t, "300.00", "USD")))
	if err != nil || FormatMoney(v.DiscountAmount, "USD") != "50.00" {
		t.Fatalf("capped validation %+v %v", v, err)
	}
}

func TestRaceForLimitOf1000(t *testing.T) {
	s := startServer(t)
	const connections, perConnection, limit = 64, 20, 1000
	c := s.client(t, Options{PoolSize: connections})
	ctx := ctxT(t)
	coupon, err := c.CreateCoupon(ctx, percentCoupon("RACE1000", 1000, u64p(limit), nil))
	if err != nil {
		t.Fatal(err)
	}
	var ok, exhausted, other atomic.Int64
	var firstOther atomic.Value
	var wg sync.WaitGroup
	for g := 0; g < connections; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perConnection; i++ {
				id := fmt.Sprintf("o-%d-%d", g, i)
				_, err := c.Redeem(ctx, RedeemRequest{Code: "RACE1000", OrderID: id, Order: usdOrder("cust-"+id, 10000)})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrExhausted):
					exhausted.Add(1)
				default:
					other.Add(1)
					firstOther.CompareAndSwap(nil, err.Error())
				}
			}
		}(g)
	}
	wg.Wait()
	if ok.Load() != limit || exhausted.Load() != connections*perConnection-limit || other.Load() != 0 {
		t.Fatalf("ok %d exhausted %d other %d (%v)", ok.Load(), exhausted.Load(), other.Load(), firstOther.Load())
	}
	got, err := c.GetCoupon(ctx, CouponByID(coupon.ID))
	if err != nil || got.CurrentUsage != limit || got.Status != CouponStatusExhausted {
		t.Fatalf("coupon after the race: %+v %v", got, err)
	}
}

func TestRacingRetryOfOneOrder(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{PoolSize: 8})
	ctx := ctxT(t)
	coupon, err := c.CreateCoupon(ctx, percentCoupon("RETRY", 1000, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	const racers = 32
	replies := make([]*RedemptionReply, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			replies[i], errs[i] = c.Redeem(ctx, RedeemRequest{Code: "RETRY", OrderID: "one-order", Order: usdOrder("jane", 5000)})
		}(i)
	}
	wg.Wait()
	fresh := 0
	for i := range replies {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if replies[i].Redemption.ID != replies[0].Redemption.ID {
			t.Fatalf("two redemptions for one order: %d and %d", replies[i].Redemption.ID, replies[0].Redemption.ID)
		}
		if !replies[i].Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d replies were not replays; want exactly 1", fresh)
	}
	page, err := c.ListRedemptions(ctx, coupon.ID, 0, 100)
	if err != nil || len(page.Redemptions) != 1 {
		t.Fatalf("redemptions of the coupon: %+v %v", page, err)
	}
	got, _ := c.GetCoupon(ctx, CouponByID(coupon.ID))
	if got.CurrentUsage != 1 {
		t.Fatalf("current_usage %d, want 1", got.CurrentUsage)
	}
}

func TestReverseTwice(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	coupon, err := c.CreateCoupon(ctx, percentCoupon("REV", 1000, u64p(5), nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Redeem(ctx, RedeemRequest{Code: "REV", OrderID: "r-1", Order: usdOrder("joe", 2000)}); err != nil {
		t.Fatal(err)
	}
	ref := RedemptionByOrder("REV", "r-1")
	r, err := c.Reverse(ctx, ref, "cancelled")
	if err != nil || r.Redemption.Status != RedemptionStatusReversed || r.Redemption.ReverseReason != "cancelled" {
		t.Fatalf("first reverse: %+v %v", r, err)
	}
	_, err = c.Reverse(ctx, ref, "cancelled")
	wantCode(t, err, CodeAlreadyReversed)
	revs, err := c.ListReversals(ctx, ref)
	if err != nil || len(revs) != 1 || !revs[0].Full {
		t.Fatalf("reversals %+v %v", revs, err)
	}
	got, _ := c.GetCoupon(ctx, CouponByID(coupon.ID))
	if got.CurrentUsage != 0 {
		t.Fatalf("the use was not given back: %d", got.CurrentUsage)
	}
}

func TestHoldExpires(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	coupon, err := c.CreateCoupon(ctx, percentCoupon("HOLD", 1000, u64p(1), nil))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Reserve(ctx, ReserveRequest{Code: "HOLD", OrderID: "h-1", TTLMS: 300, Order: usdOrder("ann", 4000)})
	if err != nil || r.Redemption.Status != RedemptionStatusPending || r.Redemption.HoldExpiresAt == nil {
		t.Fatalf("reserve %+v %v", r, err)
	}
	// The hold counts against the limit of 1 while it lasts.
	_, err = c.Redeem(ctx, RedeemRequest{Code: "HOLD", OrderID: "h-2", Order: usdOrder("bob", 4000)})
	wantCode(t, err, CodeExhausted)
	time.Sleep(1500 * time.Millisecond) // the TTL plus the 500 ms sweep
	_, err = c.Confirm(ctx, RedemptionByID(r.Redemption.ID))
	wantCode(t, err, CodeHoldExpired)
	// The sweep (every 500 ms) gives the hold back; allow a loaded machine time.
	waitFor(t, func() bool {
		got, err := c.GetRedemption(ctx, RedemptionByID(r.Redemption.ID))
		return err == nil && got.Redemption.Status == RedemptionStatusExpired
	}, 10*time.Second, "the hold to be EXPIRED")
	cp, _ := c.GetCoupon(ctx, CouponByID(coupon.ID))
	if cp.ReservedUses != 0 || cp.CurrentUsage != 0 {
		t.Fatalf("coupon still holds the use: %+v", cp)
	}
	// The use is back: another order may take it.
	if _, err := c.Redeem(ctx, RedeemRequest{Code: "HOLD", OrderID: "h-3", Order: usdOrder("bob", 4000)}); err != nil {
		t.Fatal(err)
	}
}

func TestCampaignGeneratedPausedRefused(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	tmpl := percentCoupon("", 1500, u64p(1), nil)
	camp, err := c.CreateCampaign(ctx, NewCampaignSpec("spring", tmpl))
	if err != nil {
		t.Fatal(err)
	}
	if camp.Status != CampaignStatusDraft {
		t.Fatalf("new campaign %s", camp.Status)
	}
	camp, err = c.SetCampaignStatus(ctx, camp.ID, CampaignStatusActive)
	if err != nil {
		t.Fatal(err)
	}
	camp, err = c.GenerateCodes(ctx, camp.ID, 5, camp.Revision)
	if err != nil || camp.GenerationTarget != 5 {
		t.Fatalf("generate: %+v %v", camp, err)
	}
	// A repeat of the same generation is refused: the revision moved.
	_, err = c.GenerateCodes(ctx, camp.ID, 5, camp.Revision-1)
	wantCode(t, err, CodeConflict)
	deadline := time.Now().Add(20 * time.Second)
	for camp.CouponsGenerated < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("codes not generated: %+v", camp)
		}
		time.Sleep(50 * time.Millisecond)
		if camp, err = c.GetCampaign(ctx, camp.ID); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.ListCampaignCodes(ctx, camp.ID, 0, 100)
	if err != nil || len(page.Codes) != 5 {
		t.Fatalf("codes %+v %v", page, err)
	}
	first, second := page.Codes[0].Code, page.Codes[1].Code
	if _, err := c.Redeem(ctx, RedeemRequest{Code: first, OrderID: "c-1", Order: usdOrder("c1", 1000)}); err != nil {
		t.Fatal(err)
	}
	if camp, err = c.SetCampaignStatus(ctx, camp.ID, CampaignStatusPaused); err != nil || camp.Status != CampaignStatusPaused {
		t.Fatalf("pause: %+v %v", camp, err)
	}
	_, err = c.Redeem(ctx, RedeemRequest{Code: second, OrderID: "c-2", Order: usdOrder("c2", 1000)})
	wantCode(t, err, CodeCampaignInactive)
	v, err := c.Validate(ctx, second, usdOrder("c2", 1000))
	if err != nil || v.Valid || v.Reason != CodeCampaignInactive {
		t.Fatalf("validate while paused: %+v %v", v, err)
	}
	got, _ := c.GetCampaign(ctx, camp.ID)
	if got.Redemptions != 1 {
		t.Fatalf("campaign redemptions %d, want 1", got.Redemptions)
	}
}
