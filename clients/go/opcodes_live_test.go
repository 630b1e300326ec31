package couponsd

import (
	"testing"
	"time"
)

// Every opcode a client uses, once, against the real server: the replies
// decode and say what the request did. (The golden vectors check the bytes;
// this checks the requests mean to the server what they mean here.)
func TestEveryOpcodeLive(t *testing.T) {
	s := startServer(t)
	c := s.client(t, Options{})
	ctx := ctxT(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hello, err := c.Hello(ctx)
	must(err)
	if hello.Version != 1 || hello.MaxFrameLength == 0 || hello.MaxInFlight == 0 || hello.Role != NodeRoleLeader {
		t.Fatalf("hello %+v", hello)
	}
	now, err := c.Ping(ctx)
	must(err)
	if d := time.Since(time.UnixMilli(now)); d > time.Minute || d < -time.Minute {
		t.Fatalf("server time %d", now)
	}

	// Coupons: create, update with the revision, list, delete.
	cp, err := c.CreateCoupon(ctx, percentCoupon("LIVE", 1000, nil, nil))
	must(err)
	spec := cp.Spec
	spec.Name = "renamed"
	up, err := c.UpdateCoupon(ctx, cp.ID, cp.Revision, spec)
	must(err)
	if up.Revision != cp.Revision+1 || up.Spec.Name != "renamed" {
		t.Fatalf("update %+v", up)
	}
	tmp, err := c.CreateCoupon(ctx, percentCoupon("GONE", 1000, nil, nil))
	must(err)
	must(c.DeleteCoupon(ctx, tmp.ID))
	_, err = c.GetCoupon(ctx, CouponByID(tmp.ID))
	wantCode(t, err, CodeNotFound)
	page, err := c.ListCoupons(ctx, 0, 10)
	must(err)
	if len(page.Coupons) != 1 || page.Coupons[0].Spec.Code != "LIVE" {
		t.Fatalf("list %+v", page)
	}
	info, err := c.ServerInfo(ctx)
	must(err)
	if info.Coupons != 1 || info.Role != NodeRoleLeader {
		t.Fatalf("server info %+v", info)
	}

	// A hold confirmed, a hold released, a partial refund then the rest.
	h, err := c.Reserve(ctx, ReserveRequest{Code: "LIVE", OrderID: "h1", Order: usdOrder("a", 10000)})
	must(err)
	cf, err := c.Confirm(ctx, RedemptionByID(h.Redemption.ID))
	must(err)
	if cf.Redemption.Status != RedemptionStatusProcessed {
		t.Fatalf("confirm %+v", cf)
	}
	h2, err := c.Reserve(ctx, ReserveRequest{Code: "LIVE", OrderID: "h2", TTLMS: 60000, Order: usdOrder("b", 10000)})
	must(err)
	rl, err := c.Release(ctx, RedemptionByOrder("LIVE", "h2"))
	must(err)
	if rl.Redemption.Status != RedemptionStatusReleased || rl.Redemption.ID != h2.Redemption.ID {
		t.Fatalf("release %+v", rl)
	}
	part, err := c.Refund(ctx, RedemptionByOrder("LIVE", "h1"), "one item back", i64p(3000), "refund-1")
	must(err)
	if part.Redemption.Status != RedemptionStatusProcessed {
		t.Fatalf("partial refund %+v", part)
	}
	again, err := c.Refund(ctx, RedemptionByOrder("LIVE", "h1"), "one item back", i64p(3000), "refund-1")
	must(err)
	if !again.Replayed {
		t.Fatal("a repeated refund id was not a replay")
	}
	rest, err := c.Refund(ctx, RedemptionByOrder("LIVE", "h1"), "the rest", nil, "refund-2")
	must(err)
	if rest.Redemption.Status != RedemptionStatusReversed {
		t.Fatalf("the rest %+v", rest)
	}
	revs, err := c.ListReversals(ctx, RedemptionByOrder("LIVE", "h1"))
	must(err)
	if len(revs) != 2 || revs[0].RefundAmount != 3000 || revs[0].Full || !revs[1].Full {
		t.Fatalf("reversals %+v", revs)
	}
	reds, err := c.ListRedemptions(ctx, cp.ID, 0, 10)
	must(err)
	if len(reds.Redemptions) != 2 {
		t.Fatalf("redemptions %+v", reds)
	}

	// Several codes on one order.
	_, err = c.CreateCoupon(ctx, percentCoupon("LIVE2", 500, nil, nil))
	must(err)
	codes := []string{"LIVE", "LIVE2"}
	ov, err := c.OrderValidate(ctx, OrderValidateRequest{Codes: codes, Mode: OrderModeAllOrNothing, Order: usdOrder("m", 10000)})
	must(err)
	if len(ov.Codes) != 2 || ov.Totals.DiscountAmount == 0 {
		t.Fatalf("order validate %+v", ov)
	}
	or, err := c.OrderRedeem(ctx, OrderRedeemRequest{Codes: codes, Mode: OrderModeAllOrNothing, OrderID: "m1", Order: usdOrder("m", 10000)})
	must(err)
	if len(or.Redemptions) != 2 || or.Totals != ov.Totals {
		t.Fatalf("order redeem %+v vs %+v", or.Totals, ov.Totals)
	}
	rv, err := c.OrderReverse(ctx, "m1", "cancelled")
	must(err)
	if rv.Redemptions[0].Status != RedemptionStatusReversed {
		t.Fatalf("order reverse %+v", rv)
	}
	ors, err := c.OrderReserve(ctx, OrderReserveRequest{Codes: codes, Mode: OrderModeBestEffort, OrderID: "m2", TTLMS: 60000, Order: usdOrder("n", 10000)})
	must(err)
	if ors.Redemptions[0].Status != RedemptionStatusPending {
		t.Fatalf("order reserve %+v", ors)
	}
	oc, err := c.OrderConfirm(ctx, "m2", "tx-1")
	must(err)
	if oc.Redemptions[0].Status != RedemptionStatusProcessed {
		t.Fatalf("order confirm %+v", oc)
	}
	_, err = c.OrderReserve(ctx, OrderReserveRequest{Codes: codes, Mode: OrderModeBestEffort, OrderID: "m3", Order: usdOrder("o", 10000)})
	must(err)
	orl, err := c.OrderRelease(ctx, "m3")
	must(err)
	if orl.Redemptions[0].Status != RedemptionStatusReleased {
		t.Fatalf("order release %+v", orl)
	}
	q, err := c.Qualify(ctx, 10, usdOrder("q", 10000))
	must(err)
	if len(q.Coupons) != 2 || len(q.Best) == 0 {
		t.Fatalf("qualify %+v", q)
	}

	// Campaigns: update, list, assign, distribute, report, analytics, delete.
	tmpl := percentCoupon("", 1000, nil, nil)
	cs := NewCampaignSpec("people", tmpl)
	cs.CampaignType = CampaignTypePersonalized
	camp, err := c.CreateCampaign(ctx, cs)
	must(err)
	cs.Description = "for a few"
	camp, err = c.UpdateCampaign(ctx, camp.ID, camp.Revision, cs)
	must(err)
	if camp.Spec.Description != "for a few" {
		t.Fatalf("campaign update %+v", camp.Spec)
	}
	camp, err = c.SetCampaignStatus(ctx, camp.ID, CampaignStatusActive)
	must(err)
	assigned, err := c.AssignCodes(ctx, camp.ID, []string{"ann", "bob"})
	must(err)
	if len(assigned) != 2 || !assigned[0].Created || assigned[0].CustomerID != "ann" {
		t.Fatalf("assign %+v", assigned)
	}
	entries, err := c.Distribute(ctx, camp.ID, []Recipient{{CustomerID: "ann", Email: "ann@example.com"}})
	must(err)
	if len(entries) != 1 || !entries[0].Created {
		t.Fatalf("distribute %+v", entries)
	}
	ds, err := c.DistributionStatus(ctx, camp.ID, 0, 10)
	must(err)
	if ds.Total != 1 || len(ds.Entries) != 1 {
		t.Fatalf("distribution status %+v", ds)
	}
	if _, err := c.ReportDelivery(ctx, camp.ID, "ann", DeliveryStatusBounced, "no such mailbox"); err != nil {
		// Only a SENT entry may bounce; an EMAIL entry without a mail server stays QUEUED.
		wantCode(t, err, CodeInvalidState)
	}
	camps, err := c.ListCampaigns(ctx, 0, 10)
	must(err)
	if len(camps.Campaigns) != 1 {
		t.Fatalf("campaigns %+v", camps)
	}
	ca, err := c.AnalyticsCampaign(ctx, camp.ID)
	must(err)
	if ca.CampaignID != camp.ID || ca.CouponsGenerated != 2 {
		t.Fatalf("campaign analytics %+v", ca)
	}
	draft, err := c.CreateCampaign(ctx, NewCampaignSpec("draft", tmpl))
	must(err)
	must(c.DeleteCampaign(ctx, draft.ID))
	_, err = c.GetCampaign(ctx, draft.ID)
	wantCode(t, err, CodeNotFound)

	// Analytics, fraud, events, webhooks.
	an, err := c.AnalyticsCoupon(ctx, CouponByCode("LIVE"))
	must(err)
	if an.CouponID != cp.ID || an.Metrics.TotalRedemptions == 0 {
		t.Fatalf("coupon analytics %+v", an)
	}
	ao, err := c.AnalyticsOverview(ctx)
	must(err)
	if ao.Coupons < 2 || ao.Campaigns != 1 {
		t.Fatalf("overview %+v", ao)
	}
	fm, err := c.FraudModel(ctx)
	must(err)
	if len(fm.Weights) == 0 {
		t.Fatalf("fraud model %+v", fm)
	}
	fm2, err := c.FraudOutcome(ctx, h.Redemption.ID, FraudLabelLegit)
	must(err)
	if fm2.Outcomes != fm.Outcomes+1 {
		t.Fatalf("fraud outcome %+v", fm2)
	}
	fr, err := c.FraudReport(ctx, 0, time.Now().Add(time.Hour).UnixMilli())
	must(err)
	if fr.Attempts == 0 || len(fr.Patterns) == 0 {
		t.Fatalf("fraud report %+v", fr)
	}
	ev, err := c.Events(ctx, EventsSubscribeRequest{MaxBatch: 1000, Types: EventTypeBit(EventTypeCouponCreated)})
	must(err)
	if len(ev.Events) < 2 || ev.Events[0].EventType != EventTypeCouponCreated || ev.Next == 0 {
		t.Fatalf("events %+v", ev)
	}
	wh, err := c.WebhookAdd(ctx, "http://127.0.0.1:9/hook", 0, "test")
	must(err)
	hooks, err := c.WebhookList(ctx)
	must(err)
	if len(hooks) != 1 || hooks[0].ID != wh.ID || wh.Secret == "" {
		t.Fatalf("webhooks %+v %+v", hooks, wh)
	}
	if _, err := c.WebhookEnable(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WebhookDeliveries(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	must(c.WebhookRemove(ctx, wh.ID))

	// The node itself: digest, cluster status, an online backup.
	dg, err := c.Digest(ctx)
	must(err)
	if dg.LSN == 0 || dg.Entries == 0 {
		t.Fatalf("digest %+v", dg)
	}
	st, err := c.ClusterStatus(ctx)
	must(err)
	if st.Role != NodeRoleLeader || len(st.Members) != 1 || st.Members[0].Addr == "" {
		t.Fatalf("cluster status %+v", st)
	}
	b, err := c.Backup(ctx)
	must(err)
	defer b.Close()
	hdr, err := b.Begin(ctx, true)
	must(err)
	parts := uint32(0)
	for ; ; parts++ {
		p, err := b.Part(ctx, parts)
		must(err)
		if p.Value == nil {
			break
		}
	}
	end, err := b.End(ctx)
	must(err)
	if end.Parts != parts || end.LSN != hdr.LSN || end.Digest == nil || end.Digest.LSN != hdr.LSN {
		t.Fatalf("backup: %d parts, end %+v, header %+v", parts, end, hdr)
	}
}
