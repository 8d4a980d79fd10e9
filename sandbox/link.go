package sandbox

import (
	"net"
	"sync"
	"time"
)

// A shaped link: Config.Bandwidth makes the sandbox send its answers no
// faster than a link of that many bits per second, shared by all its
// connections as a client's one line to Apple is. Requests, a few hundred
// bytes, are not slowed; the latency (Config.Latency) stands for the rest of
// the round trip.

// linkChunk is how much one connection writes before the others get their
// turn on the link, about 13 ms at 10 Mbit/s.
const linkChunk = 16 << 10

// shapedLink paces writes to a bandwidth: each write reserves its slot
// after those already reserved and waits until that slot has passed.
type shapedLink struct {
	bitsPerSecond int64
	mu            sync.Mutex
	free          time.Time // when the link has sent what is reserved so far
}

// reserve books n bytes on the link and returns when they have been sent.
func (l *shapedLink) reserve(n int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.free.Before(now) {
		l.free = now
	}
	l.free = l.free.Add(time.Duration(float64(n) * 8 / float64(l.bitsPerSecond) * float64(time.Second)))
	return l.free
}

// shapedListener hands out connections whose writes go through one link.
type shapedListener struct {
	net.Listener
	link *shapedLink
}

func (ln *shapedListener) Accept() (net.Conn, error) {
	c, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c, link: ln.link}, nil
}

// shapedConn is a connection whose writes leave at the link's pace.
type shapedConn struct {
	net.Conn
	link *shapedLink
}

func (c *shapedConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), linkChunk)
		if d := time.Until(c.link.reserve(n)); d > 0 {
			time.Sleep(d)
		}
		m, err := c.Conn.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}
