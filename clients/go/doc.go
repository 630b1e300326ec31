// Package couponsd is the Go client for couponsd, the coupon engine, over its
// length-prefixed binary TCP protocol (protocol.md in the repository).
//
// A Client keeps a small pool of pipelined connections to the node it talks
// to: many goroutines may call it at once, each request carries its own
// request id and replies are matched by id, so requests do not wait for each
// other. Given several node addresses it finds the cluster's leader, follows
// NOT_LEADER answers and retries on another node only what is safe to repeat
// (reads, and the redemption operations keyed by order id).
//
// Money is always an int64 count of minor units with an ISO 4217 currency
// (see FormatMoney and ParseMoney); nothing in this package uses floating
// point. Errors from the server are *Error values carrying the protocol's
// ErrorCode; use errors.As, or the Code function.
//
// The package uses the standard library only.
package couponsd
