package couponsd

import "testing"

// The targeting, fraud and campaign refusals, each through a coupon made to
// refuse it, as typed errors.
func TestTargetingErrorCodes(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	spec := func(code string, edit func(*CouponSpec)) {
		t.Helper()
		sp := percentCoupon(code, 1000, nil, nil)
		edit(&sp)
		if _, err := c.CreateCoupon(ctx, sp); err != nil {
			t.Fatalf("%s: %v", code, err)
		}
	}
	spec("CHAN", func(s *CouponSpec) { s.ChannelRestrictions = []string{"app"} })
	spec("SEG", func(s *CouponSpec) { s.CustomerSegments = []string{"vip"} })
	spec("MAIL", func(s *CouponSpec) { s.AllowedEmailDomains = []string{"example.com"} })
	spec("DEVICE", func(s *CouponSpec) { s.Security.DeviceFingerprinting = true })
	spec("VERIFY", func(s *CouponSpec) { s.Security.RequireEmailVerification = true })
	spec("MINE", func(s *CouponSpec) { s.AssignedCustomerID = "jane" })
	spec("FAST", func(s *CouponSpec) {
		s.Security.VelocityChecks = true
		s.Security.MaxRedemptionsPerHour = 1
	})
	spec("SHOES", func(s *CouponSpec) {
		s.ApplicableProducts = []ProductCriteria{{CriteriaType: CriteriaTypeCategory, Operator: CriteriaOperatorIn, Values: []string{"shoes"}}}
	})
	redeem := func(code, order string, o Order) error {
		_, err := c.Redeem(ctx, RedeemRequest{Code: code, OrderID: order, Order: o})
		return err
	}
	o := usdOrder("bob", 5000)
	o.Channel = "web"
	wantCode(t, redeem("CHAN", "1", o), CodeChannelNotAllowed)
	wantCode(t, redeem("SEG", "1", o), CodeSegmentNotEligible)
	o.CustomerEmail = "bob@elsewhere.org"
	wantCode(t, redeem("MAIL", "1", o), CodeEmailDomainNotAllowed)
	wantCode(t, redeem("DEVICE", "1", o), CodeDeviceFingerprintRequired)
	wantCode(t, redeem("VERIFY", "1", o), CodeEmailNotVerified)
	wantCode(t, redeem("MINE", "1", o), CodeNotAssigned)
	o.Items = []LineItem{{ProductID: "p1", Category: "hats", UnitPrice: 5000, Quantity: 1}}
	wantCode(t, redeem("SHOES", "1", o), CodeNoEligibleItems)
	if err := redeem("FAST", "1", o); err != nil {
		t.Fatal(err)
	}
	wantCode(t, redeem("FAST", "2", o), CodeVelocityLimit)

	// A campaign's budget: 10 % of 50.00 is 5.00, and the budget is 8.00.
	tmpl := percentCoupon("", 1000, nil, nil)
	cs := NewCampaignSpec("budget", tmpl)
	cs.BudgetLimit = i64p(800)
	camp, err := c.CreateCampaign(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetCampaignStatus(ctx, camp.ID, CampaignStatusActive); err != nil {
		t.Fatal(err)
	}
	joined := percentCoupon("BUDGET", 1000, nil, nil)
	joined.CampaignID = &camp.ID
	if _, err := c.CreateCoupon(ctx, joined); err != nil {
		t.Fatal(err)
	}
	if err := redeem("BUDGET", "1", usdOrder("a", 5000)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, redeem("BUDGET", "2", usdOrder("b", 5000)), CodeBudgetExhausted)

	// Several codes on one order: the same code twice counts once.
	v, err := c.OrderValidate(ctx, OrderValidateRequest{Codes: []string{"BUDGET", "CHAN", "chan"}, Mode: OrderModeBestEffort, Order: o})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[ErrorCode]bool{}
	for _, oc := range v.Codes {
		reasons[oc.Reason] = true
	}
	if !reasons[CodeDuplicateCode] || !reasons[CodeChannelNotAllowed] {
		t.Fatalf("order validation reasons %v", reasons)
	}
}
