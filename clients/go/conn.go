package couponsd

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// conn is one pipelined connection: any number of goroutines call it at
// once; each request gets its own request id and the reader goroutine hands
// every reply to the caller waiting on that id. At most maxInFlight requests
// are outstanding (never more than the server's HELLO allows).
type conn struct {
	addr        string
	nc          net.Conn
	hello       HelloReply
	maxFrameLen uint32

	// slots bounds requests in flight: a caller takes one before sending; the
	// reader gives it back when the reply (or the connection's end) arrives,
	// so a caller that stopped waiting still holds its slot until then.
	slots chan struct{}
	out   chan []byte // whole frames for the writer goroutine

	mu      sync.Mutex
	pending map[uint32]chan reply
	nextID  uint32
	err     error // set once, when the connection is gone
	done    chan struct{}
}

type reply struct {
	frame Frame
	err   error
}

// connConfig is what every connection of a client shares.
type connConfig struct {
	token         string
	clientName    string
	tls           *tls.Config
	maxInFlight   int
	dialTimeoutMS int64
}

// dialConn connects, speaks TLS if configured, and completes the HELLO.
func dialConn(ctx context.Context, addr string, cfg connConfig) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.dialTimeoutMS)*time.Millisecond)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, &dialError{addr, err}
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if cfg.tls != nil {
		tcfg := cfg.tls.Clone()
		if tcfg.ServerName == "" {
			host, _, splitErr := net.SplitHostPort(addr)
			if splitErr != nil {
				host = addr
			}
			tcfg.ServerName = host
		}
		tc := tls.Client(nc, tcfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, &dialError{addr, fmt.Errorf("TLS handshake: %w", err)}
		}
		nc = tc
	}
	c, err := handshake(dctx, nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// dialError is a connection that could not be opened: nothing was sent, so
// any request may be tried elsewhere.
type dialError struct {
	addr string
	err  error
}

func (e *dialError) Error() string { return "couponsd: connect " + e.addr + ": " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

func handshake(ctx context.Context, nc net.Conn, addr string, cfg connConfig) (*conn, error) {
	if deadline, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(deadline)
	}
	hello := HelloRequest{Version: ProtocolVersion, Token: cfg.token, ClientName: cfg.clientName}
	if _, err := nc.Write(AppendFrame(nil, 1, OpHello, 0, EncodeRequest(nil, hello))); err != nil {
		return nil, &dialError{addr, err}
	}
	br := bufio.NewReaderSize(nc, 64*1024)
	f, err := readFrame(br, MaxFrameLength)
	if err != nil {
		return nil, &dialError{addr, fmt.Errorf("HELLO reply: %w", err)}
	}
	if f.Status != 0 {
		// BUSY, UNAUTHENTICATED, UNSUPPORTED_VERSION ...: typed.
		return nil, errorFromFrame(f)
	}
	if f.Opcode != OpHello || f.RequestID != 1 {
		return nil, &ProtocolError{fmt.Sprintf("HELLO answered by opcode %d id %d", f.Opcode, f.RequestID)}
	}
	var hr HelloReply
	if err := decodeBody(f.Body, &hr); err != nil {
		return nil, &ProtocolError{"HELLO reply: " + err.Error()}
	}
	_ = nc.SetDeadline(time.Time{})
	inFlight := cfg.maxInFlight
	if inFlight <= 0 || uint32(inFlight) > hr.MaxInFlight {
		inFlight = int(hr.MaxInFlight)
	}
	if inFlight < 1 {
		inFlight = 1
	}
	maxFrame := hr.MaxFrameLength
	if maxFrame == 0 || maxFrame > MaxFrameLength {
		maxFrame = MaxFrameLength
	}
	c := &conn{
		addr:        addr,
		nc:          nc,
		hello:       hr,
		maxFrameLen: maxFrame,
		slots:       make(chan struct{}, inFlight),
		out:         make(chan []byte, inFlight),
		pending:     make(map[uint32]chan reply),
		nextID:      2,
		done:        make(chan struct{}),
	}
	go c.writeLoop()
	go c.readLoop(br)
	return c, nil
}

// call sends one request body and waits for its reply frame.
func (c *conn) call(ctx context.Context, op uint16, body []byte) (Frame, error) {
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
		return Frame{}, c.failure()
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		<-c.slots
		return Frame{}, c.err
	}
	id := c.nextID
	c.nextID++
	if c.nextID == 0 { // wrapping: 0 belongs to request-less errors
		c.nextID = 1
	}
	c.pending[id] = ch
	c.mu.Unlock()

	frame := AppendFrame(make([]byte, 0, frameHeaderLen+len(body)), id, op, 0, body)
	if len(frame) > 4+int(c.maxFrameLen) {
		c.settle(id)
		return Frame{}, &TooLargeError{Length: len(frame), Max: c.maxFrameLen}
	}
	select {
	case c.out <- frame:
	case <-c.done:
		return Frame{}, c.failure()
	case <-ctx.Done():
		// Not handed to the writer: it will never be sent.
		c.settle(id)
		return Frame{}, ctx.Err()
	}
	select {
	case r := <-ch:
		return r.frame, r.err
	case <-ctx.Done():
		// Sent, maybe applied: the reader frees the slot when the reply comes.
		return Frame{}, ctx.Err()
	}
}

// settle forgets a request that was never sent and frees its slot.
func (c *conn) settle(id uint32) {
	c.mu.Lock()
	_, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		<-c.slots
	}
}

func (c *conn) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// close ends the connection; every waiting call gets err.
func (c *conn) close(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	waiters := c.pending
	c.pending = nil
	close(c.done)
	c.mu.Unlock()
	c.nc.Close()
	for _, ch := range waiters {
		ch <- reply{err: err}
	}
}

// writeLoop coalesces queued frames into few writes.
func (c *conn) writeLoop() {
	bw := bufio.NewWriterSize(c.nc, 64*1024)
	for {
		select {
		case f := <-c.out:
			if _, err := bw.Write(f); err != nil {
				c.close(fmt.Errorf("%w: write: %v", ErrClosed, err))
				return
			}
			if len(c.out) == 0 {
				if err := bw.Flush(); err != nil {
					c.close(fmt.Errorf("%w: write: %v", ErrClosed, err))
					return
				}
			}
		case <-c.done:
			return
		}
	}
}

func (c *conn) readLoop(br *bufio.Reader) {
	for {
		f, err := readFrame(br, MaxFrameLength)
		if err != nil {
			var fe *FrameError
			if errors.As(err, &fe) {
				c.close(&ProtocolError{fe.Error()})
			} else {
				c.close(fmt.Errorf("%w: %v", ErrClosed, err))
			}
			return
		}
		if f.RequestID == 0 && f.Status != 0 {
			// A connection-level error (FRAME_TOO_LARGE, MALFORMED_FRAME,
			// a timeout): the server closes after it; every waiting call
			// gets it, typed.
			c.close(errorFromFrame(f))
			return
		}
		c.mu.Lock()
		ch, ok := c.pending[f.RequestID]
		delete(c.pending, f.RequestID)
		c.mu.Unlock()
		if !ok {
			// A reply to nothing we sent: the stream is not what we think.
			c.close(&ProtocolError{fmt.Sprintf("reply to unknown request id %d", f.RequestID)})
			return
		}
		ch <- reply{frame: f}
		<-c.slots
	}
}
