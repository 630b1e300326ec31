package couponsd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Options configure a Client. The zero value is usable: no token, plaintext,
// two connections per node, the server's in-flight limit.
type Options struct {
	// Token is HELLO's token: the secret part of a configured token, or empty
	// (a server without tokens, or a client certificate that gives the role).
	Token string
	// TLS, when not nil, is used for every connection (ServerName defaults
	// to the host of the address dialed).
	TLS *tls.Config
	// ClientName is sent in HELLO for the server's logs.
	ClientName string
	// PoolSize is the number of connections kept to each node used (2; at
	// most MaxPoolSize).
	PoolSize int
	// MaxInFlight bounds the requests in flight on each connection (never
	// above the server's max_in_flight; 0: the server's).
	MaxInFlight int
	// DialTimeout bounds connecting, TLS and HELLO together (5 s).
	DialTimeout time.Duration
	// RequestTimeout bounds one attempt of a call whose context has no
	// deadline of its own (30 s).
	RequestTimeout time.Duration
	// FailoverTimeout is how long a call keeps looking for a leader (no
	// leader known, or its node went away) before giving up. Zero: 10 s with
	// several addresses, none with one (a single address follows at most
	// three NOT_LEADER hops).
	FailoverTimeout time.Duration
	// NoLeaderFollowing makes NOT_LEADER an ordinary error.
	NoLeaderFollowing bool
}

// MaxPoolSize bounds Options.PoolSize: the server's default connection limit.
const MaxPoolSize = 1024

// Client talks to a couponsd node or cluster. It is safe for concurrent use;
// Close it when done.
type Client struct {
	opts  Options
	cfg   connConfig
	nodes []string

	mu     sync.Mutex
	target string           // the node requests go to now
	pools  map[string]*pool // by address
	closed bool
}

// Dial connects to the first of addrs that answers (HELLO included) and
// returns a Client that uses the others to find the leader and fail over.
func Dial(ctx context.Context, addrs []string, opts Options) (*Client, error) {
	if len(addrs) == 0 {
		return nil, errors.New("couponsd: no address given")
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = 2
	}
	if opts.PoolSize > MaxPoolSize {
		opts.PoolSize = MaxPoolSize
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	if opts.FailoverTimeout <= 0 && len(addrs) > 1 {
		opts.FailoverTimeout = 10 * time.Second
	}
	if opts.ClientName == "" {
		opts.ClientName = "couponsd-client-go/0.1"
	}
	c := &Client{
		opts:  opts,
		nodes: append([]string(nil), addrs...),
		pools: make(map[string]*pool),
		cfg: connConfig{
			token:         opts.Token,
			clientName:    opts.ClientName,
			tls:           opts.TLS,
			maxInFlight:   opts.MaxInFlight,
			dialTimeoutMS: opts.DialTimeout.Milliseconds(),
		},
	}
	var last error
	for _, addr := range addrs {
		p := c.poolFor(addr)
		if last = p.warm(ctx); last == nil {
			c.target = addr
			return c, nil
		}
		var se *Error
		if errors.As(last, &se) && se.Code == CodeUnauthenticated {
			break // the same token is refused everywhere
		}
	}
	c.Close()
	return nil, last
}

// Close closes every connection. Calls in progress fail with ErrClosed.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, p := range c.pools {
		p.close()
	}
}

// Hello is the HELLO reply of a connection to the node in use.
func (c *Client) Hello(ctx context.Context) (HelloReply, error) {
	cn, err := c.poolFor(c.currentTarget()).get(ctx)
	if err != nil {
		return HelloReply{}, err
	}
	return cn.hello, nil
}

func (c *Client) poolFor(addr string) *pool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pools[addr]
	if !ok {
		p = newPool(addr, c.opts.PoolSize, c.cfg)
		c.pools[addr] = p
	}
	return p
}

func (c *Client) currentTarget() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target
}

func (c *Client) setTarget(addr string) {
	c.mu.Lock()
	c.target = addr
	c.mu.Unlock()
}

// nextNode is the node after failed in the list (failed may be a leader's
// address that is not in it).
func (c *Client) nextNode(failed string) string {
	for i, n := range c.nodes {
		if n == failed {
			return c.nodes[(i+1)%len(c.nodes)]
		}
	}
	return c.nodes[0]
}

// Do sends one request and returns its decoded reply (a pointer to the
// request's reply type, as DecodeReply gives), following the leader and
// failing over as the package comment says.
func (c *Client) Do(ctx context.Context, req Request) (any, error) {
	body := EncodeRequest(nil, req)
	deadline := time.Now().Add(c.opts.FailoverTimeout)
	pause := 20 * time.Millisecond
	hops := 0
	for {
		addr := c.currentTarget()
		f, err := c.attempt(ctx, addr, req.Opcode(), body)
		if err == nil {
			if f.Status != 0 {
				err = errorFromFrame(f)
			} else {
				return decodeOK(req.Opcode(), f)
			}
		}
		if ctx.Err() != nil {
			return nil, err
		}
		next, retry := c.classify(err, addr, req)
		if !retry {
			return nil, err
		}
		hops++
		failover := time.Now().Before(deadline)
		switch {
		case next != "" && (hops <= 3 || failover):
			c.setTarget(next)
		case next == "" && failover:
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return nil, err
			}
			if pause *= 2; pause > 500*time.Millisecond {
				pause = 500 * time.Millisecond
			}
			c.setTarget(c.nextNode(addr))
		case next == "" && hops == 1 && errors.Is(err, ErrClosed):
			// The connection was gone (the server closes idle ones): one
			// fresh try on the same node, for what is safe to repeat.
		default:
			return nil, err
		}
	}
}

// classify says whether a failed attempt may be tried again, and where: a
// named leader, or ("") the next node.
func (c *Client) classify(err error, addr string, req Request) (next string, retry bool) {
	if c.opts.NoLeaderFollowing {
		return "", false
	}
	var se *Error
	if errors.As(err, &se) {
		switch se.Code {
		case CodeNotLeader:
			if se.Leader != "" && se.Leader != addr {
				return se.Leader, true
			}
			return "", true
		case CodeShuttingDown, CodeNoQuorum, CodeStorageUnavailable:
			// Nothing was applied (a change already proposed when a node
			// stops is the exception, so only what is idempotent goes on).
			return "", se.Code != CodeShuttingDown || req.Idempotent()
		}
		return "", false
	}
	var de *dialError
	if errors.As(err, &de) {
		return "", true // nothing was sent
	}
	var te *TooLargeError
	var pe *ProtocolError
	if errors.As(err, &te) || errors.As(err, &pe) {
		return "", false
	}
	// A lost connection or a timeout: the outcome is unknown.
	return "", req.Idempotent()
}

// attempt is one try on one node, bounded by RequestTimeout when the caller's
// context has no deadline.
func (c *Client) attempt(ctx context.Context, addr string, op uint16, body []byte) (Frame, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return Frame{}, ErrClosed
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.RequestTimeout)
		defer cancel()
	}
	cn, err := c.poolFor(addr).get(ctx)
	if err != nil {
		return Frame{}, err
	}
	f, err := cn.call(ctx, op, body)
	if err != nil {
		return f, err
	}
	if f.Status == 0 && f.Opcode != op {
		return f, &ProtocolError{fmt.Sprintf("reply opcode %d to request opcode %d", f.Opcode, op)}
	}
	return f, nil
}

func decodeOK(op uint16, f Frame) (any, error) {
	v, err := DecodeReply(op, f.Body)
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, &ProtocolError{OpcodeNames[op] + " reply: " + err.Error()}
	}
	return v, nil
}

// call is Do with the reply's type checked: T is the request's reply type.
func call[T any](ctx context.Context, c *Client, req Request) (*T, error) {
	v, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	t, ok := v.(*T)
	if !ok {
		return nil, &ProtocolError{fmt.Sprintf("reply %s is not %s", reflect.TypeOf(v), reflect.TypeOf((*T)(nil)).Elem())}
	}
	return t, nil
}
