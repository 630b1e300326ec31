package couponsd

import (
	"context"
	"sync"
	"sync/atomic"
)

// pool is a fixed number of connections to one address, used round-robin;
// a slot whose connection is gone is dialed again on its next use.
type pool struct {
	addr string
	cfg  connConfig
	next atomic.Uint32

	mu    sync.Mutex
	conns []*conn
}

func newPool(addr string, size int, cfg connConfig) *pool {
	if size < 1 {
		size = 1
	}
	return &pool{addr: addr, cfg: cfg, conns: make([]*conn, size)}
}

// get returns a live connection, dialing one if its slot is empty or dead.
func (p *pool) get(ctx context.Context) (*conn, error) {
	i := int(p.next.Add(1)) % len(p.conns)
	p.mu.Lock()
	c := p.conns[i]
	p.mu.Unlock()
	if c != nil && !c.closed() {
		return c, nil
	}
	// Dial outside the lock so that other slots stay usable meanwhile.
	fresh, err := dialConn(ctx, p.addr, p.cfg)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur := p.conns[i]; cur != nil && cur != c && !cur.closed() {
		// Another caller refilled the slot first.
		fresh.close(ErrClosed)
		return cur, nil
	}
	p.conns[i] = fresh
	return fresh, nil
}

// warm dials every slot now, so that errors (a wrong token) show at once.
func (p *pool) warm(ctx context.Context) error {
	for range p.conns {
		if _, err := p.get(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, c := range p.conns {
		if c != nil {
			c.close(ErrClosed)
		}
		p.conns[i] = nil
	}
}
