package couponsd_test

import (
	"context"
	"fmt"
	"log"

	couponsd "couponsd/clients/go"
)

// The README's example: redeem a coupon for an order of 150.00 USD.
func Example() {
	ctx := context.Background()
	client, err := couponsd.Dial(ctx, []string{"127.0.0.1:7878"}, couponsd.Options{Token: "redeem-secret"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	amount, _ := couponsd.ParseMoney("150.00", "USD")
	reply, err := client.Redeem(ctx, couponsd.RedeemRequest{Code: "SUMMER20", OrderID: "order-456",
		Order: couponsd.Order{CustomerID: "customer-123", Amount: amount, Currency: "USD"}})
	if err != nil {
		log.Fatal(err) // e.g. errors.Is(err, couponsd.ErrExhausted)
	}
	fmt.Println("discount", couponsd.FormatMoney(reply.Redemption.DiscountAmount, "USD"))
}
