// Package web serves kipass's pages and JSON API with fiber.
package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"kipass/courses"
	"kipass/internal/app"
	"kipass/internal/auth"
)

// Store is what the web layer still reads and writes without a use case of
// internal/app between (sessions, accounts, reports). The assessment path
// (attempts, grading, certificates) goes through App only.
type Store interface {
	Ping(ctx context.Context) error
	Generation() uint64
	CreateUser(ctx context.Context, nu app.NewUser) (int64, error)
	UserByEmail(ctx context.Context, email string) (app.User, error)
	UserByID(ctx context.Context, id int64) (app.User, error)
	CountAdmins(ctx context.Context) (int, error)
	SetUserLang(ctx context.Context, id int64, lang string) error
	CreateSession(ctx context.Context, tokenHash []byte, userID int64, kind string, expiresAt time.Time) error
	SessionByHash(ctx context.Context, tokenHash []byte, idle time.Duration) (app.Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	OneTimeTokenValid(ctx context.Context, tokenHash []byte, purpose string) (bool, error)
	CreateFirstAdmin(ctx context.Context, tokenHash []byte, nu app.NewUser) (int64, error)
	RecordLoginFailure(ctx context.Context, emailHash []byte) error
	LoginFailures(ctx context.Context, emailHash []byte, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, emailHash []byte) error
	CertificateByID(ctx context.Context, id string) (app.Certificate, error)
	UserCertificates(ctx context.Context, userID int64) ([]app.Certificate, error)
	RecentCertificates(ctx context.Context, limit int) ([]app.Certificate, error)
	RevokedIndexes(ctx context.Context) ([]int, error)
	ExportUser(ctx context.Context, userID int64) (app.Export, error)
	CourseReport(ctx context.Context, courseID string, departments []string) ([]app.ReportRow, error)
	CreateAssignment(ctx context.Context, a app.Assignment) (int64, error)
	Assignments(ctx context.Context) ([]app.Assignment, error)
	DeleteAssignment(ctx context.Context, id int64) error
	InviteValid(ctx context.Context, tokenHash []byte) (bool, error)
	SetPasswordWithToken(ctx context.Context, tokenHash []byte, passwordHash string) (int64, error)
	EraseUser(ctx context.Context, userID int64, keepCertificates bool, loginKey []byte, by app.Actor) error
	ListUsers(ctx context.Context, f app.UserFilter) ([]app.User, int, error)
	Departments(ctx context.Context) ([]string, error)
	UpdateAccount(ctx context.Context, id int64, ch app.AccountChange, by app.Actor) error
	HRDepartments(ctx context.Context, userID int64) ([]string, error)
	CreateInvitedUser(ctx context.Context, nu app.NewUser, inviteHash []byte, expires time.Time, by app.Actor) (int64, error)
	CreateResetLink(ctx context.Context, userID int64, tokenHash []byte, expires time.Time, by app.Actor) error
	ImportUsers(ctx context.Context, users []app.ImportUser, inviteExpires time.Time, progress func(done int)) ([]bool, error)
	Audit(ctx context.Context, by app.Actor, action string, subject int64, detail string) error
	AuditLog(ctx context.Context, f app.AuditFilter) ([]app.AuditEntry, int, error)
}

// Config holds the web settings, read once at start.
type Config struct {
	BaseURL        *url.URL // where users reach kipass; https turns on Secure cookies and HSTS
	Registration   bool     // self-registration allowed
	TrustedProxies []string // addresses whose X-Forwarded-For is believed
	BodyLimit      int      // bytes; default 1 MiB
	IdleTimeout    time.Duration
	// RequestTimeout is each request's deadline (default 25s, below the
	// server's 30s write timeout): its context ends then, and the work
	// running on it stops.
	RequestTimeout time.Duration
	SessionTTL     time.Duration
	LoginWindow    time.Duration
	AccountLimit   int // failed logins per account and window
	AddressLimit   int // failed logins, and apart from them invalid invitation links, per client address and window
	// SessionCacheTTL is how long a session lookup is reused (default 2s;
	// negative turns the cache off).
	SessionCacheTTL time.Duration
	// AggregateOnly is the works-council mode: HR and admins see department
	// totals of groups of at least MinGroup people, no per-person rows.
	AggregateOnly bool
	MinGroup      int // default 5
	// InviteTTL is how long invitation and reset links work (default 14 days).
	InviteTTL time.Duration
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
}

// Privacy configures the privacy notice. The retention periods are the ones
// the retention job enforces.
type Privacy struct {
	Controller string // the organisation responsible (name and address)
	Contact    string // where to send data-protection requests
	DPO        string // the data protection officer's contact; "" if none
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
	Store   Store
	Catalog func() *courses.Catalog // the current course catalogue
	Signer  *Signer                 // keys and issuer for certificates
	Hasher  *auth.Hasher
	Logger  *slog.Logger
	Now     func() time.Time
}

// server holds the handlers' shared state. It lives as long as the app.
type server struct {
	cfg      Config
	app      *app.App
	store    Store
	catalog  func() *courses.Catalog
	signer   *Signer
	hasher   *auth.Hasher
	log      *slog.Logger
	now      func() time.Time
	views    *views
	articles articles
	secure   bool
	cookies  cookieNames
	throttle *addressThrottle
	// inviteThrottle counts invalid invitation tokens per address, apart
	// from failed logins so that neither uses up the other's allowance.
	inviteThrottle *addressThrottle
	sessions       *sessionCache
	// statusCache holds the signed status list.
	statusCache statusCache
	// reports holds recent HR report rows.
	reports reportCache
	// csrfFallback keys CSRF tokens only when the key store holds no
	// private key (see csrfKeys).
	csrfFallback []byte
	// evidenceSlots bounds the evidence PDFs built at once.
	evidenceSlots chan struct{}
	// verifyGate bounds public verification per address and at once.
	verifyGate verifyGate
	// uploads admits large bodies before they are read.
	uploads *uploadGate
}

// The roles, short for the route list.
const (
	roleHR    = app.RoleHR
	roleAdmin = app.RoleAdmin
)

type cookieNames struct{ session, csrf string }

// NewServer builds the fiber app with every route.
func NewServer(d Deps) (*fiber.App, error) {
	cfg := d.Config
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
	cfg.BodyLimit = cmpOr(cfg.BodyLimit, 1<<20)
	// The server accepts bodies up to the PDF upload size (plus room for
	// the multipart envelope); limitBody holds every other route to BodyLimit.
	serverLimit := max(cfg.BodyLimit, MaxUpload+64<<10)
	cfg.IdleTimeout = cmpOr(cfg.IdleTimeout, 30*time.Minute)
	cfg.RequestTimeout = cmpOr(cfg.RequestTimeout, 25*time.Second)
	cfg.SessionTTL = cmpOr(cfg.SessionTTL, 12*time.Hour)
	cfg.LoginWindow = cmpOr(cfg.LoginWindow, 15*time.Minute)
	cfg.AccountLimit = cmpOr(cfg.AccountLimit, 10)
	cfg.AddressLimit = cmpOr(cfg.AddressLimit, 100)
	cfg.SessionCacheTTL = cmpOr(cfg.SessionCacheTTL, 2*time.Second)
	cfg.MinGroup = cmpOr(cfg.MinGroup, 5)
	cfg.InviteTTL = cmpOr(cfg.InviteTTL, 14*24*time.Hour)
	cfg.VerifyLimit = cmpOr(cfg.VerifyLimit, 60)
	cfg.VerifyConcurrency = cmpOr(cfg.VerifyConcurrency, 3)
	cfg.VerifyQueueWait = cmpOr(cfg.VerifyQueueWait, 2*time.Second)
	cfg.UploadsAtOnce = cmpOr(cfg.UploadsAtOnce, 8)
	cfg.UploadQueueWait = cmpOr(cfg.UploadQueueWait, 10*time.Second)
	now := d.Now
	if now == nil {
		now = time.Now
	}
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, app: d.App, store: d.Store, catalog: d.Catalog, signer: d.Signer, hasher: d.Hasher, log: d.Logger, now: now, views: v,
		secure: cfg.BaseURL.Scheme == "https", throttle: newAddressThrottle(cfg.AddressLimit, cfg.LoginWindow, now),
		inviteThrottle: newAddressThrottle(cfg.AddressLimit, cfg.LoginWindow, now),
		sessions:       newSessionCache(cfg.SessionCacheTTL, now), evidenceSlots: make(chan struct{}, 2)}
	s.csrfFallback = make([]byte, 32)
	rand.Read(s.csrfFallback)
	s.verifyGate, s.uploads = newVerifyGate(cfg, now), newUploadGate(cfg, now)
	s.cookies = cookieNames{"kipass_session", "kipass_csrf"}
	if s.secure {
		s.cookies = cookieNames{"__Host-kipass_session", "__Host-kipass_csrf"}
	}
	app := fiber.New(fiber.Config{
		AppName:                 "kipass",
		Immutable:               true,
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
	return app, nil
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
