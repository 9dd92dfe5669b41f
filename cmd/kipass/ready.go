package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The listener's life cycle.
//
// Starting: kipass listens before it opens (and migrates) the database and
// builds the app, so a process manager or load balancer polling /healthz
// sees 503 "starting" instead of "connection refused", and every other
// request gets 503 with Retry-After instead of hanging. A tiny net/http
// server (startGate) answers on the listener meanwhile. When the app is
// ready the gate stops accepting without closing the socket (new
// connections wait in the kernel's accept queue, none is refused),
// finishes the requests it has, and fiber serves the same listener.
// Handing over the listener rather than swapping handlers keeps fiber on its
// own fasthttp server, with no adaptor on every request once running.
//
// Shutting down: fasthttp counts a connection that has not sent a byte yet
// (a browser's preconnect) as an active request and waits for its read
// timeout, which would hold every shutdown for the whole grace period.
// trackingListener closes such connections when the listener is closed, so
// shutdown waits only for requests that actually began.

// trackingListener wraps the server's listener for its whole life. It
// knows the accepted connections that have not sent a byte yet and closes
// them with the listener.
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	fresh  map[*trackedConn]struct{}
	closed bool
}

func newTrackingListener(ln net.Listener) *trackingListener {
	return &trackingListener{Listener: ln, fresh: map[*trackedConn]struct{}{}}
}

// Accept waits for the next connection.
func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		// Accepted just as the listener closed: it would escape closeFresh.
		c.Close()
		return nil, net.ErrClosed
	}
	l.fresh[tc] = struct{}{}
	return tc, nil
}

// Close closes the listener and every connection that has not sent a byte
// yet. Closing twice is no error (fasthttp's shutdown closes the listener
// and serve's deferred Close does too).
func (l *trackingListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	err := l.Listener.Close()
	l.closeFresh()
	return err
}

// closeFresh closes every connection that has not sent a byte yet.
func (l *trackingListener) closeFresh() {
	l.mu.Lock()
	fresh := make([]*trackedConn, 0, len(l.fresh))
	for c := range l.fresh {
		fresh = append(fresh, c)
	}
	clear(l.fresh)
	l.mu.Unlock()
	for _, c := range fresh {
		if c.state.CompareAndSwap(connFresh, connDropped) {
			c.Conn.Close()
		}
	}
}

// setDeadline sets the accept deadline of the underlying listener, when it
// has one (TCP and Unix listeners do).
func (l *trackingListener) setDeadline(t time.Time) error {
	d, ok := l.Listener.(interface{ SetDeadline(time.Time) error })
	if !ok {
		return errors.ErrUnsupported
	}
	return d.SetDeadline(t)
}

const (
	connFresh   int32 = iota // nothing read yet
	connUsed                 // a request began
	connDropped              // closed by closeFresh
)

// trackedConn is an accepted connection that reports its first byte.
type trackedConn struct {
	net.Conn
	l     *trackingListener
	state atomic.Int32
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.state.Load() == connFresh {
		if !c.state.CompareAndSwap(connFresh, connUsed) {
			// closeFresh won the race: the connection is closed.
			return 0, net.ErrClosed
		}
		c.forget()
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.forget()
	return c.Conn.Close()
}

func (c *trackedConn) forget() {
	c.l.mu.Lock()
	delete(c.l.fresh, c)
	c.l.mu.Unlock()
}

// startGate answers every request with 503 until the app is ready.
type startGate struct {
	ln     *trackingListener
	paused atomic.Bool
	srv    *http.Server
	done   chan struct{}
}

// openGate starts answering on ln. It returns nil when ln cannot be paused
// (no accept deadline); the app then simply starts later.
func openGate(ln *trackingListener, log *slog.Logger) *startGate {
	if ln.setDeadline(time.Time{}) != nil {
		return nil
	}
	g := &startGate{ln: ln, done: make(chan struct{})}
	g.srv = &http.Server{
		Handler:           http.HandlerFunc(startingHandler),
		ReadHeaderTimeout: 2 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      5 * time.Second,
		IdleTimeout:       time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(g.done)
		g.srv.Serve(gateListener{g})
	}()
	return g
}

// handOver stops the gate: it stops accepting without closing the socket,
// drops connections that have not sent a request, answers the requests it
// has, and returns once the listener is free for the app. Safe on a nil
// gate and more than once.
func (g *startGate) handOver() {
	if g == nil || g.paused.Swap(true) {
		return
	}
	// An accept deadline in the past wakes the gate's blocked Accept.
	g.ln.setDeadline(time.Unix(1, 0))
	g.ln.closeFresh()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if g.srv.Shutdown(ctx) != nil {
		g.srv.Close()
	}
	<-g.done
	g.ln.setDeadline(time.Time{})
}

// gateListener is the listener as the gate sees it: once paused, Accept
// reports it closed while the real socket stays open.
type gateListener struct{ g *startGate }

func (l gateListener) Accept() (net.Conn, error) {
	if l.g.paused.Load() {
		return nil, net.ErrClosed
	}
	c, err := l.g.ln.Accept()
	if err != nil && l.g.paused.Load() {
		return nil, net.ErrClosed
	}
	return c, err
}

func (l gateListener) Close() error   { return nil } // the socket belongs to serve
func (l gateListener) Addr() net.Addr { return l.g.ln.Addr() }

// startingHandler answers while kipass starts: /healthz says "starting",
// API paths give the API's error shape, everything else a short text; all
// with 503, Retry-After and Connection: close (the next connection reaches
// the app).
func startingHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Retry-After", "1")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Connection", "close")
	body, ctype := "kipass is starting, please try again in a moment.\n", "text/plain; charset=utf-8"
	switch {
	case r.URL.Path == "/healthz":
		body = "starting"
	case strings.HasPrefix(r.URL.Path, "/api/"):
		body, ctype = `{"error":{"code":"starting","message":"kipass is starting, try again in a moment"}}`, "application/json"
	}
	h.Set("Content-Type", ctype)
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}
