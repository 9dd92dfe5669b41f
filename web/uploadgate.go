package web

import (
	"runtime"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"kipass/internal/errs"
)

// uploadGate decides about a request body before fasthttp reads it.
// fasthttp reads every body whole, into a buffer rounded up to a power of
// two (a 4.1 MB upload takes 8 MiB), before any handler or middleware
// runs, and keeps that buffer with the connection for its next request;
// so a limit in a handler comes too late, and 48 parallel uploads cost
// 400 MB even if each is refused at once. The gate runs when the headers
// are in (fasthttp's HeaderReceived): a body up to BodyLimit is read as
// always; a larger one (the upload routes take up to 5 MiB, limitBody
// refuses it on any other) needs one of UploadsAtOnce leases. It waits up
// to UploadQueueWait for one, else is answered 503 busy with Retry-After
// without its body being read.
//
// A lease ends when the request's handlers return, or after leaseTTL if
// they never run (the client went away mid-body); then the body's buffer
// is let go.
type uploadGate struct {
	mu     sync.Mutex
	leases map[*fasthttp.RequestHeader]time.Time // header of the request -> lease expiry
	busy   map[*fasthttp.RequestHeader]time.Time // refused for want of a lease, until the error is written
	max    int
	wait   time.Duration
	small  int // BodyLimit
	now    func() time.Time
	// sinceGC counts the bytes of large bodies received since the last
	// collection the gate asked for; collecting is true while one runs.
	sinceGC    int
	collecting bool
}

// collectEvery is how many bytes of large bodies may turn into garbage
// before the gate asks for a collection. fasthttp allocates a fresh
// power-of-two buffer for most large bodies; left to the collector's
// pacing (the next cycle at twice the live heap) a flood of them grows the
// heap to hundreds of MB of dead buffers. Large bodies are rare (a
// verification, an import), so a cycle per 64 MB of them costs little.
const collectEvery = 64 << 20

// leaseTTL outlasts the server's read timeout (15 s) plus handling.
const leaseTTL = 45 * time.Second

func newUploadGate(cfg Config, now func() time.Time) *uploadGate {
	return &uploadGate{leases: map[*fasthttp.RequestHeader]time.Time{}, busy: map[*fasthttp.RequestHeader]time.Time{},
		max: cfg.UploadsAtOnce, wait: cfg.UploadQueueWait, small: cfg.BodyLimit, now: now}
}

// headerReceived is fasthttp's HeaderReceived hook.
func (g *uploadGate) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	n := h.ContentLength() // -1 chunked, -2 none given
	if n >= -2 && n <= g.small && n != -1 {
		return fasthttp.RequestConfig{}
	}
	if g.acquire(h) {
		return fasthttp.RequestConfig{}
	}
	g.mu.Lock()
	g.busy[h] = g.now().Add(leaseTTL)
	g.mu.Unlock()
	// Too large for 1 byte: fasthttp stops before the body and calls the
	// error handler, which sees the mark and answers busy.
	return fasthttp.RequestConfig{MaxRequestBodySize: 1}
}

// acquire takes a lease for h, waiting up to g.wait.
func (g *uploadGate) acquire(h *fasthttp.RequestHeader) bool {
	deadline := time.Now().Add(g.wait)
	for {
		g.mu.Lock()
		now := g.now()
		for k, exp := range g.leases {
			if now.After(exp) {
				delete(g.leases, k)
			}
		}
		for k, exp := range g.busy {
			if now.After(exp) {
				delete(g.busy, k)
			}
		}
		_, mine := g.leases[h] // a reused request object: its old lease is this one
		if mine || len(g.leases) < g.max {
			g.leases[h] = now.Add(leaseTTL)
			g.mu.Unlock()
			return true
		}
		g.mu.Unlock()
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// release is the first middleware: the body has been read; the lease
// (if any) ends when the handlers return.
func (g *uploadGate) release(c *fiber.Ctx) error {
	h := &c.Request().Header
	defer func() {
		g.mu.Lock()
		_, leased := g.leases[h]
		delete(g.leases, h)
		if leased {
			// fasthttp keeps each connection's body buffer for its next
			// request; an idle keep-alive connection would hold 8 MiB.
			g.sinceGC += cap(c.Request().Body())
			c.Request().ReleaseBody(g.small)
		}
		collect := g.sinceGC >= collectEvery && !g.collecting
		if collect {
			g.sinceGC, g.collecting = 0, true
		}
		g.mu.Unlock()
		if collect {
			go func() {
				runtime.GC()
				g.mu.Lock()
				g.collecting = false
				g.mu.Unlock()
			}()
		}
	}()
	return c.Next()
}

// refused reports (once) whether the gate refused c's body for want of a
// lease.
func (g *uploadGate) refused(c *fiber.Ctx) bool {
	h := &c.Request().Header
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.busy[h]
	delete(g.busy, h)
	return ok
}

// errUploadBusy is the answer when no lease came free in time.
var errUploadBusy = errs.New(errs.Throttled, "busy", "The server is receiving too many uploads right now. Please try again in a few seconds.")

// refuseUpload answers 503 busy with Retry-After: the contract's error JSON
// on the API, the error page otherwise.
func (s *server) refuseUpload(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, verifyRetryAfter)
	if isAPI(c) {
		return c.Status(fiber.StatusServiceUnavailable).JSON(apiError{apiErrorBody{Code: errUploadBusy.Code, Message: errUploadBusy.Message}})
	}
	e := *errUploadBusy
	e.Message = s.views.t(langOf(c), "verify.busy")
	return s.renderErrorPage(c, fiber.StatusServiceUnavailable, &e)
}
