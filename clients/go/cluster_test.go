package couponsd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A 3-node cluster: a follower names the leader (NOT_LEADER), the client
// follows it, and after the leader is SIGKILLed the client finds the new
// one by itself; no acknowledged redemption is lost.
func TestLeaderChange(t *testing.T) {
	nodes := startCluster(t, 3)
	leader := leaderOf(t, nodes, 30*time.Second)
	follower := nodes[(leader+1)%3]
	ctx := ctxT(t)

	// Straight to a follower, without following: NOT_LEADER naming the leader.
	direct := follower.client(t, Options{NoLeaderFollowing: true})
	_, err := direct.CreateCoupon(ctx, percentCoupon("DIRECT", 1000, nil, nil))
	if e := wantCode(t, err, CodeNotLeader); e.Leader != nodes[leader].addr {
		t.Fatalf("NOT_LEADER names %q, want %q", e.Leader, nodes[leader].addr)
	}

	// Given every address, starting with a follower: it follows.
	addrs := []string{follower.addr}
	for _, n := range nodes {
		if n != follower {
			addrs = append(addrs, n.addr)
		}
	}
	c, err := Dial(ctx, addrs, Options{PoolSize: 2, FailoverTimeout: 20 * time.Second, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	coupon, err := c.CreateCoupon(ctx, percentCoupon("FAILOVER", 1000, nil, nil))
	if err != nil {
		t.Fatal(err)
	}

	const workers = 8
	var acked sync.Map // order id -> redemption id
	var ackedCount, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("fo-%d-%d", w, i)
				r, err := redeemUntilKnown(ctx, c, id)
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					return
				}
				acked.Store(id, r.Redemption.ID)
				ackedCount.Add(1)
			}
		}(w)
	}
	waitFor(t, func() bool { return ackedCount.Load() >= 40 }, 30*time.Second, "redemptions before the kill")
	nodes[leader].kill()
	killedAt := ackedCount.Load()
	waitFor(t, func() bool { return ackedCount.Load() >= killedAt+40 || failures.Load() > 0 }, 40*time.Second, "redemptions after the kill")
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d workers failed: %v", failures.Load(), firstFailure.Load())
	}

	newLeader := leaderOf(t, nodes, 30*time.Second)
	if newLeader == leader {
		t.Fatal("the killed node still leads")
	}
	// Every acknowledged redemption is there, and nothing else was counted.
	total := 0
	acked.Range(func(k, v any) bool {
		total++
		r, err := c.GetRedemption(ctx, RedemptionByOrder("FAILOVER", k.(string)))
		if err != nil || r.Redemption.ID != v.(uint64) || r.Redemption.Status != RedemptionStatusProcessed {
			t.Errorf("acknowledged order %s: %+v %v", k, r, err)
		}
		return true
	})
	got, err := c.GetCoupon(ctx, CouponByID(coupon.ID))
	if err != nil || got.CurrentUsage != uint64(total) {
		t.Fatalf("current_usage %v, want %d acknowledged (%v)", got, total, err)
	}
	t.Logf("%d redemptions acknowledged, %d after the leader was killed", total, int64(total)-killedAt)
}

// redeemUntilKnown redeems one order; NOT_COMMITTED (outcome unknown) is
// the caller's to retry, and redemption is idempotent per order, so it does.
func redeemUntilKnown(ctx context.Context, c *Client, orderID string) (*RedemptionReply, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.Redeem(ctx, RedeemRequest{Code: "FAILOVER", OrderID: orderID, Order: usdOrder("cust-"+orderID, 2000)})
		if err == nil || !errors.Is(err, ErrNotCommitted) || attempt == 5 {
			return r, err
		}
	}
}

func waitFor(t *testing.T, cond func() bool, within time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
