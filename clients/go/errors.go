package couponsd

import (
	"errors"
	"fmt"
)

// Error is the server's refusal or failure of one request: its error code,
// the ErrorBody's message and, with NOT_LEADER, the leader's address when the
// node knows it. Compare codes with errors.Is(err, ErrExhausted) and friends,
// or read Code(err).
type Error struct {
	Code    ErrorCode
	Message string
	// Leader is the leader's address (host:port) with NOT_LEADER; else empty.
	Leader string
	// sentinel marks the package's Err* values, which match by code alone.
	sentinel bool
}

func (e *Error) Error() string {
	if e.Leader != "" {
		return fmt.Sprintf("%s: %s (leader %s)", e.Code, e.Message, e.Leader)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, ErrX) true for every *Error with ErrX's code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.sentinel && t.Code == e.Code
}

// Code is the server's error code in err, or 0 (CodeOk) when err is not an
// *Error (a connection failure, a timeout) or nil.
func Code(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeOk
}

// ErrClosed is returned for calls on a connection that is gone (closed by
// either side, or broken): the request may or may not have been applied.
var ErrClosed = errors.New("couponsd: connection closed")

// ProtocolError is a reply this client cannot use: it did not decode, or it
// is not the reply to the request sent. The connection is closed after it
// when the byte stream can no longer be trusted.
type ProtocolError struct{ Reason string }

func (e *ProtocolError) Error() string { return "couponsd: protocol error: " + e.Reason }

// TooLargeError is a request that would not fit in a frame the server
// accepts (its HELLO's max_frame_length); it was not sent.
type TooLargeError struct {
	Length int
	Max    uint32
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("couponsd: request of %d bytes is over the server's maximum frame of %d", e.Length, e.Max)
}

// errorFromFrame decodes an error reply's body leniently: a missing or
// truncated field reads as empty (protocol.md, ErrorBody).
func errorFromFrame(f Frame) *Error {
	r := &reader{buf: f.Body}
	msg, err := r.str("message")
	if err != nil {
		msg = ""
	}
	leader, err := r.str("leader")
	if err != nil {
		leader = ""
	}
	return &Error{Code: ErrorCode(f.Status), Message: msg, Leader: leader}
}
