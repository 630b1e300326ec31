// Command bench redeems one coupon as fast as it can through the Go client:
// --connections connections with --in-flight requests in flight on each, a
// unique order id per request, for --duration-ms. It prints one JSON line:
//
//	{"client":"go","redeems":N,"seconds":S,"per_second":R}
//
// The coupon must exist with no usage limit (and no velocity checks, or the
// customers' hourly limits stop it early).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	couponsd "couponsd/clients/go"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7878", "server address")
	code := flag.String("code", "", "coupon code to redeem (required)")
	connections := flag.Int("connections", 64, "connections to the server")
	inFlight := flag.Int("in-flight", 16, "requests in flight per connection")
	durationMS := flag.Int("duration-ms", 5000, "how long to run")
	token := flag.String("token", os.Getenv("COUPONSD_TOKEN"), "token (default $COUPONSD_TOKEN)")
	customers := flag.Int("customers", 10000, "distinct customers")
	amount := flag.Int64("amount", 15000, "order amount, minor units of USD")
	flag.Parse()
	if *code == "" || *connections < 1 || *inFlight < 1 || *durationMS < 1 {
		fmt.Fprintln(os.Stderr, "usage: bench --addr HOST:PORT --code CODE [--connections N] [--in-flight N] [--duration-ms MS]")
		os.Exit(2)
	}
	ctx := context.Background()
	client, err := couponsd.Dial(ctx, []string{*addr}, couponsd.Options{
		Token: *token, PoolSize: *connections, MaxInFlight: *inFlight, ClientName: "couponsd-go-bench",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	defer client.Close()

	var salt [6]byte
	_, _ = rand.Read(salt[:])
	run := hex.EncodeToString(salt[:])
	var next, redeems, failures atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	deadline := start.Add(time.Duration(*durationMS) * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < *connections**inFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				n := next.Add(1)
				_, err := client.Redeem(ctx, couponsd.RedeemRequest{
					Code:    *code,
					OrderID: run + "-" + strconv.FormatInt(n, 10),
					Order: couponsd.Order{
						CustomerID: "bench-" + strconv.FormatInt(n%int64(*customers), 10),
						Amount:     *amount,
						Currency:   "USD",
					},
				})
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				redeems.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failures.Load(); f > 0 {
		fmt.Fprintf(os.Stderr, "bench: %d redeems failed; the first: %v\n", f, firstErr.Load())
	}
	// Integer arithmetic only: redeems per second, rounded down.
	ms := elapsed.Milliseconds()
	perSecond := redeems.Load() * 1000 / ms
	fmt.Printf("{\"client\":\"go\",\"redeems\":%d,\"seconds\":%d.%03d,\"per_second\":%d}\n",
		redeems.Load(), ms/1000, ms%1000, perSecond)
	if failures.Load() > 0 && redeems.Load() == 0 {
		os.Exit(1)
	}
}
