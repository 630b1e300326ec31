package couponsd

import (
	"bufio"
	"context"
	"errors"
	"math/rand"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer answers HELLO, then hands every later frame to handle, which
// writes whatever bytes it wants: for testing what the client does with bad
// or unusual input from the network.
func fakeServer(t *testing.T, maxInFlight uint32, handle func(w net.Conn, f Frame)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				hello, err := readFrame(br, MaxFrameLength)
				if err != nil {
					return
				}
				body := EncodeReply(nil, HelloReply{Version: 1, ServerVersion: "fake", Role: NodeRoleLeader, MaxFrameLength: MaxFrameLength, MaxInFlight: maxInFlight})
				nc.Write(AppendFrame(nil, hello.RequestID, OpHello, 0, body))
				for {
					f, err := readFrame(br, MaxFrameLength)
					if err != nil {
						return
					}
					handle(nc, f)
				}
			}()
		}
	}()
	return l.Addr().String()
}

func fakeClient(t *testing.T, addr string, opts Options) *Client {
	c, err := Dial(context.Background(), []string{addr}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func pongFrame(id uint32, extra ...byte) []byte {
	return AppendFrame(nil, id, OpPing, 0, append(EncodeReply(nil, Pong{ServerTimeMS: int64(id)}), extra...))
}

// Replies come back in any order; each caller gets its own.
func TestPipeliningMatchesRepliesByID(t *testing.T) {
	const n = 64
	var mu sync.Mutex
	var held []Frame
	addr := fakeServer(t, n, func(w net.Conn, f Frame) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, f)
		if len(held) == n { // all in flight at once: answer in reverse
			for i := len(held) - 1; i >= 0; i-- {
				w.Write(pongFrame(held[i].RequestID))
			}
			held = nil
		}
	})
	c := fakeClient(t, addr, Options{PoolSize: 1})
	ctx := ctxT(t)
	// Learn each request's id from its reply: the fake echoes it as the time.
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i], errs[i] = c.Ping(ctx)
		}(i)
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range ids {
		if errs[i] != nil || seen[ids[i]] {
			t.Fatalf("call %d: %d %v", i, ids[i], errs[i])
		}
		seen[ids[i]] = true
	}
}

// A reply with bytes after the fields this client knows decodes (section 8),
// and an unknown status is a generic *Error with its message.
func TestForwardCompatibility(t *testing.T) {
	addr := fakeServer(t, 8, func(w net.Conn, f Frame) {
		switch f.Opcode {
		case OpPing:
			w.Write(pongFrame(f.RequestID, 0xde, 0xad, 0xbe, 0xef))
		default:
			w.Write(AppendFrame(nil, f.RequestID, f.Opcode, 999, EncodeReply(nil, struct {
				M string
				L string
			}{"something new", ""})))
		}
	})
	c := fakeClient(t, addr, Options{})
	ctx := ctxT(t)
	if _, err := c.Ping(ctx); err != nil {
		t.Fatalf("trailing bytes: %v", err)
	}
	_, err := c.ServerInfo(ctx)
	var se *Error
	if !errors.As(err, &se) || se.Code != 999 || se.Code.Known() || se.Message != "something new" {
		t.Fatalf("unknown status: %v", err)
	}
}

// Garbage from the network gives a typed error, never a crash or a hang.
func TestBadInputIsATypedError(t *testing.T) {
	cases := map[string]func(w net.Conn, f Frame){
		"bad checksum": func(w net.Conn, f Frame) {
			b := pongFrame(f.RequestID)
			b[len(b)-1] ^= 1
			w.Write(b)
		},
		"length over the maximum": func(w net.Conn, f Frame) { w.Write([]byte{0x7f, 0xff, 0xff, 0xff}) },
		"length under the header": func(w net.Conn, f Frame) { w.Write([]byte{0, 0, 0, 3, 1, 2, 3}) },
		"truncated body": func(w net.Conn, f Frame) {
			w.Write(AppendFrame(nil, f.RequestID, OpPing, 0, []byte{1, 2}))
		},
		"reply to an unknown id": func(w net.Conn, f Frame) { w.Write(pongFrame(f.RequestID + 1000)) },
		"wrong opcode":           func(w net.Conn, f Frame) { w.Write(AppendFrame(nil, f.RequestID, OpServerInfo, 0, nil)) },
		"closed mid-frame": func(w net.Conn, f Frame) {
			w.Write(pongFrame(f.RequestID)[:10])
			w.Close()
		},
		"connection-level error": func(w net.Conn, f Frame) {
			w.Write(AppendFrame(nil, 0, 0, uint16(CodeMalformedFrame), EncodeReply(nil, struct{ M, L string }{"bad frame", ""})))
		},
	}
	for name, handle := range cases {
		t.Run(name, func(t *testing.T) {
			addr := fakeServer(t, 8, handle)
			c := fakeClient(t, addr, Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := c.Ping(ctx)
			var pe *ProtocolError
			var se *Error
			switch {
			case err == nil:
				t.Fatal("no error")
			case errors.Is(err, context.DeadlineExceeded):
				t.Fatalf("hung: %v", err)
			case errors.As(err, &pe), errors.As(err, &se), errors.Is(err, ErrClosed):
				t.Logf("%T: %v", err, err)
			default:
				t.Fatalf("untyped error %T: %v", err, err)
			}
		})
	}
}

// A server that never answers: the call ends at its context's deadline, and
// the caller's cancellation ends it at once.
func TestTimeoutAndCancellation(t *testing.T) {
	addr := fakeServer(t, 8, func(w net.Conn, f Frame) {})
	c := fakeClient(t, addr, Options{RequestTimeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Ping(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("RequestTimeout: %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = c.Ping(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

// The in-flight bound holds: with a server limit of 2, a third call waits
// for a slot instead of being sent.
func TestInFlightIsBounded(t *testing.T) {
	var mu sync.Mutex
	var seen []Frame
	addr := fakeServer(t, 2, func(w net.Conn, f Frame) {
		mu.Lock()
		seen = append(seen, f)
		mu.Unlock()
	})
	c := fakeClient(t, addr, Options{PoolSize: 1, MaxInFlight: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); c.Ping(ctx) }()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("%d requests reached the server, want 2", len(seen))
	}
}

// Every prefix of every reply vector, and random bytes, decode to a value or
// a DecodeError: never a panic.
func TestDecodingNeverPanics(t *testing.T) {
	f := loadVectors(t)
	byName := opcodeByName(t)
	rng := rand.New(rand.NewSource(1))
	tried := 0
	for _, m := range f.Messages {
		if m.Direction != "reply" || m.NodeToNode {
			continue
		}
		op := byName[m.Opcode]
		body := mustHex(t, m.BodyHex)
		for cut := 0; cut < len(body); cut += 1 + len(body)/64 {
			decodeSafely(t, op, body[:cut])
			tried++
		}
		junk := make([]byte, rng.Intn(200))
		rng.Read(junk)
		decodeSafely(t, op, junk)
		tried++
	}
	t.Logf("decoded %d truncated or random bodies", tried)
}

func decodeSafely(t *testing.T, op uint16, body []byte) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("opcode %d, body %x: panic %v", op, body, r)
		}
	}()
	v, err := DecodeReply(op, body)
	if err == nil && reflect.ValueOf(v).IsNil() {
		t.Fatalf("opcode %d: nil value without error", op)
	}
}

// A connection the server closed while idle is dialed again, and an
// idempotent call on it is tried once more on the fresh one.
func TestReconnectAfterIdleClose(t *testing.T) {
	var closeNext atomic.Bool
	addr := fakeServer(t, 8, func(w net.Conn, f Frame) {
		if closeNext.CompareAndSwap(true, false) {
			w.Close() // instead of answering
			return
		}
		w.Write(pongFrame(f.RequestID))
	})
	c := fakeClient(t, addr, Options{PoolSize: 1})
	closeNext.Store(true)
	if _, err := c.Ping(ctxT(t)); err != nil {
		t.Fatalf("ping after the server closed the connection: %v", err)
	}
	// A change is not repeated: its outcome is unknown.
	closeNext.Store(true)
	if err := c.DeleteCoupon(ctxT(t), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("a change after a lost connection: %v", err)
	}
}
