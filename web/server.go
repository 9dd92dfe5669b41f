// Package web serves kipass's pages and JSON API with fiber.
package web

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"kipass/courses"
	"kipass/internal/app"
	"kipass/internal/i18n"
	"kipass/internal/scim"
	"kipass/internal/sso"
)

// Config holds the web settings, read once at start.
type Config struct {
	// Config is the rules' settings. NewServer takes them from Deps.App,
	// so that the pages show what the use cases enforce; they are
	// embedded here for short access (s.cfg.AggregateOnly).
	app.Config
	BaseURL        *url.URL // where users reach kipass; https turns on Secure cookies and HSTS
	TrustedProxies []string // addresses whose X-Forwarded-For is believed
	BodyLimit      int      // bytes; default 1 MiB
	IdleTimeout    time.Duration
	// RequestTimeout is each request's deadline (default 25s, below the
	// server's 30s write timeout): its context ends then, and the work
	// running on it stops.
	RequestTimeout time.Duration
	SessionTTL     time.Duration
	// SessionCacheTTL is how long a session lookup is reused (default 2s;
	// negative turns the cache off).
	SessionCacheTTL time.Duration
	// VerifyLimit is how many public verifications (POST /verify and
	// /api/v1/verify) one client address may send a minute (default 60);
	// VerifyConcurrency how many PDFs are checked at once (default 3), and
	// VerifyQueueWait how long an upload waits for a slot before 503
	// (default 2s).
	VerifyLimit       int
	VerifyConcurrency int
	VerifyQueueWait   time.Duration
	// UploadsAtOnce is how many bodies over BodyLimit (PDFs to verify,
	// CSV imports) are received at once (default 8); another waits up
	// to UploadQueueWait (default 10s), then gets 503 before its body is
	// read (see uploadGate).
	UploadsAtOnce   int
	UploadQueueWait time.Duration
	// Privacy is what the privacy notice at /privacy says.
	Privacy Privacy
	// LinkedInOrganizationID is the issuer's LinkedIn organisation id
	// (digits): the add-to-profile link on /me then names the company
	// page instead of only the issuer's name. "" for none.
	LinkedInOrganizationID string
}

// Privacy configures the privacy notice. The retention periods are the ones
// the retention job enforces.
type Privacy struct {
	Controller string // the organisation responsible (name and address); default: the organisation's name
	// Contact is where to send data-protection requests and DPO the data
	// protection officer's contact ("" if none): filled in from the
	// organisation's settings (app.Organisation) for each notice.
	Contact string
	DPO     string
	// Retention periods; 0 means kept until the account is erased.
	AnswerDays        int    // answer-level detail of attempts
	DeactivatedMonths int    // deactivated accounts
	AuditMonths       int    // audit log entries
	Email             bool   // reminder emails are sent
	BackupKeep        int    // scheduled backups kept (0: not scheduled by kipass)
	BackupEvery       string // their interval, e.g. "24h"
}

// Deps are the server's collaborators.
type Deps struct {
	Config Config
	// App runs the use cases (the rules); handlers call it with the
	// request's context.
	App     *app.App
	Catalog func() *courses.Catalog // the current course catalogue
	// Messages is every text in every language (nil: read here).
	Messages *i18n.Catalog
	Signer   *Signer // keys and issuer for certificates
	// SignOn and RP are single sign-on's use cases and relying party; RP
	// is nil when no provider is configured.
	SignOn *app.SignOn
	RP     *sso.RP
	// SCIM is the SCIM provisioning (nil: /scim/v2 answers 404).
	SCIM   *app.SCIM
	Logger *slog.Logger
	Now    func() time.Time
}

// server holds the handlers' shared state. It lives as long as the app.
type server struct {
	cfg      Config
	app      *app.App
	catalog  func() *courses.Catalog
	signer   *Signer
	log      *slog.Logger
	now      func() time.Time
	views    *views
	articles articles
	secure   bool
	cookies  cookieNames
	// inviteThrottle counts invalid invitation tokens per address, apart
	// from failed logins so that neither uses up the other's allowance.
	inviteThrottle *addressThrottle
	// resetThrottle counts reset-email requests per address.
	resetThrottle *addressThrottle
	sessions      *sessionCache
	// statusCache holds the signed status list.
	statusCache statusCache
	// csrfFallback keys CSRF tokens only when the key store holds no
	// private key (see csrfKeys).
	csrfFallback []byte
	// evidenceSlots bounds the evidence PDFs built at once.
	evidenceSlots chan struct{}
	// verifyGate bounds public verification per address and at once.
	verifyGate verifyGate
	// uploads admits large bodies before they are read.
	uploads *uploadGate
	// signOn and rp are single sign-on (see oidc.go); rp is nil when it is off.
	signOn *app.SignOn
	rp     *sso.RP
	// scimUC is SCIM provisioning, scim its protocol handler (nil when off).
	scimUC *app.SCIM
	scim   *scim.Handler
}

// The roles, short for the route list.
const (
	roleHR    = app.RoleHR
	roleAdmin = app.RoleAdmin
)

type cookieNames struct{ session, csrf string }

// Server is the HTTP server with every route. Only this package knows that
// it runs on fiber.
type Server struct {
	app *fiber.App
}

// Serve answers requests on ln until Shutdown.
func (sv *Server) Serve(ln net.Listener) error { return sv.app.Listener(ln) }

// Shutdown stops accepting connections, closes idle ones and waits up to
// timeout for the requests in flight; those still running then are cut off
// and reported as an error.
func (sv *Server) Shutdown(timeout time.Duration) error { return sv.app.ShutdownWithTimeout(timeout) }

// NewServer builds the server with every route.
func NewServer(d Deps) (*Server, error) {
	cfg := d.Config
	if d.App != nil {
		cfg.Config = d.App.Config()
	}
	if d.Catalog == nil || d.Catalog() == nil {
		return nil, fmt.Errorf("web: no course catalogue")
	}
	if cfg.BaseURL == nil {
		return nil, fmt.Errorf("web: no base URL")
	}
	if d.App == nil {
		return nil, fmt.Errorf("web: no use cases (App)")
	}
	if d.Signer == nil || d.Signer.Keys == nil || d.Signer.Keys() == nil {
		return nil, fmt.Errorf("web: no signing keys")
	}
	cfg.BodyLimit = cmp.Or(cfg.BodyLimit, 1<<20)
	// The server accepts bodies up to the PDF upload size (plus room for
	// the multipart envelope); limitBody holds every other route to BodyLimit.
	serverLimit := max(cfg.BodyLimit, MaxUpload+64<<10)
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, 30*time.Minute)
	cfg.RequestTimeout = cmp.Or(cfg.RequestTimeout, 25*time.Second)
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, 12*time.Hour)
	cfg.SessionCacheTTL = cmp.Or(cfg.SessionCacheTTL, 2*time.Second)
	cfg.VerifyLimit = cmp.Or(cfg.VerifyLimit, 60)
	cfg.VerifyConcurrency = cmp.Or(cfg.VerifyConcurrency, 3)
	cfg.VerifyQueueWait = cmp.Or(cfg.VerifyQueueWait, 2*time.Second)
	cfg.UploadsAtOnce = cmp.Or(cfg.UploadsAtOnce, 8)
	cfg.UploadQueueWait = cmp.Or(cfg.UploadQueueWait, 10*time.Second)
	now := d.Now
	if now == nil {
		now = time.Now
	}
	v, err := loadViewsWith(d.Messages)
	if err != nil {
		return nil, err
	}
	v.zone = d.App.Zone
	v.courseTitle = func(id, lang string) string {
		if co, ok := d.Catalog().Course(id); ok {
			return co.Title.Get(lang)
		}
		return ""
	}
	s := &server{cfg: cfg, app: d.App, catalog: d.Catalog, signer: d.Signer, log: d.Logger, now: now, views: v,
		secure:         cfg.BaseURL.Scheme == "https",
		inviteThrottle: newAddressThrottle(cfg.AddressLimit, cfg.LoginWindow, now),
		resetThrottle:  newAddressThrottle(max(cfg.AddressLimit/10, 5), time.Hour, now),
		sessions:       newSessionCache(cfg.SessionCacheTTL, now), evidenceSlots: make(chan struct{}, 2), signOn: d.SignOn, rp: d.RP}
	if d.SCIM != nil {
		s.scimUC = d.SCIM
		if s.scim, err = scim.NewHandler(scim.Config{Service: d.SCIM, Authenticate: d.SCIM.Authenticate, Logger: d.Logger,
			BaseURL: strings.TrimRight(cfg.BaseURL.String(), "/") + scimRoot, MaxBodyBytes: cfg.BodyLimit}); err != nil {
			return nil, err
		}
	}
	s.csrfFallback = make([]byte, 32)
	rand.Read(s.csrfFallback)
	s.verifyGate, s.uploads = newVerifyGate(cfg, now), newUploadGate(cfg, now)
	s.cookies = cookieNames{"kipass_session", "kipass_csrf"}
	if s.secure {
		s.cookies = cookieNames{"__Host-kipass_session", "__Host-kipass_csrf"}
	}
	app := fiber.New(fiber.Config{
		AppName:   "kipass",
		Immutable: true,
		// Routes match case-sensitively, so every check on c.Path() (the
		// API's JSON errors, the CSRF rule for token clients, the upload
		// limit, SCIM) sees the same path the router matched: "/API/..."
		// is simply not a route.
		CaseSensitive:           true,
		DisableStartupMessage:   true,
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            30 * time.Second,
		IdleTimeout:             60 * time.Second,
		BodyLimit:               serverLimit,
		ErrorHandler:            s.handleError,
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             proxyHeader(cfg.TrustedProxies),
		// Multipart bodies are parsed when a handler asks, so a malformed
		// one is answered by the app (JSON on the API), not by fasthttp.
		DisablePreParseMultipartForm: true,
	})
	app.Server().HeaderReceived = s.uploads.headerReceived
	app.Use(s.uploads.release, s.logRequests, recover.New(), s.requestContext, s.securityHeaders, s.limitBody)
	s.routes(app)
	// Requests answered while shutting down say Connection: close.
	app.Server().CloseOnShutdown = true
	return &Server{app: app}, nil
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}
