// Package app holds kipass's use cases: the rules of registering, taking
// quizzes and the exam, issuing and revoking certificates, reporting to HR
// and managing accounts, each written once. Its functions take a
// context.Context and plain values; they know neither HTTP nor SQL. The
// handlers (web) and the command line (cmd/kipass) call them; the store
// implements the small interfaces declared here, next to the use cases
// that need them.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"kipass/courses"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/i18n"
	"kipass/internal/mail"
	"kipass/internal/ttlcache"
)

// ErrStale is what a store answers when the state a decision was based on
// changed before it could be recorded; the use case decides again.
var ErrStale = errs.New(errs.Conflict, "stale", "The data changed meanwhile; please try again.")

// ErrAttemptClosed is what AttemptStore.SaveDraft answers for an attempt
// that is submitted or whose time ran out: nothing was changed.
var ErrAttemptClosed = errs.New(errs.Conflict, "attempt_closed", "This attempt is closed: it was submitted or its time ran out.")

// ErrAttemptLimit is what AttemptStore.CreateAttempt answers when the
// attempts in the window reached the limit.
var ErrAttemptLimit = errs.New(errs.Throttled, "attempt_limit", "Too many attempts.")

// AttemptStore keeps quiz and exam attempts.
type AttemptStore interface {
	// CreateAttempt stores a new attempt. When limit > 0 it first counts
	// the user's attempts of the same course and kind started within the
	// window before a.StartedAt, and answers ErrAttemptLimit when they
	// reached limit; the count and the insert are one transaction.
	CreateAttempt(ctx context.Context, a Attempt, limit int, window time.Duration) error
	// AttemptFor returns the user's attempt; anyone else's is not found.
	AttemptFor(ctx context.Context, id string, userID int64) (Attempt, error)
	// SubmitAttempt records s once (see Submission); first is false when
	// the attempt was submitted already, and the stored attempt is returned.
	SubmitAttempt(ctx context.Context, id string, userID int64, s Submission) (a Attempt, first bool, err error)
	// CourseProgress returns the modules the user passed and the newest exam pass.
	CourseProgress(ctx context.Context, userID int64, courseID string) (Progress, error)
	// OpenAttempt returns the user's newest unsubmitted, unexpired attempt
	// of a module (or the exam, module ""), or an errs.NotFound.
	OpenAttempt(ctx context.Context, userID int64, courseID, moduleID string) (Attempt, error)
	// LatestSubmitted returns the user's newest submitted attempt of a
	// module (or the exam), or an errs.NotFound.
	LatestSubmitted(ctx context.Context, userID int64, courseID, moduleID string) (Attempt, error)
	// ModuleState returns the user's state in a module (or the exam) in one
	// read: the module page needs it on every view.
	ModuleState(ctx context.Context, userID int64, courseID, moduleID string) (ModuleState, error)
	// ExamAttemptsSince counts the user's exam attempts started after t.
	ExamAttemptsSince(ctx context.Context, userID int64, courseID string, t time.Time) (int, error)
	// SaveDraft stores the answers so far (JSON, content ids) of the
	// user's open attempt; ErrAttemptClosed once it is submitted or its
	// time ran out by now, not found for anyone else's.
	SaveDraft(ctx context.Context, id string, userID int64, draft []byte, now time.Time) error
	// ExpiredExams returns up to limit open exam attempts whose time ran
	// out before t, oldest first; userID 0 means everyone's.
	ExpiredExams(ctx context.Context, userID int64, t time.Time, limit int) ([]Attempt, error)
	// ModuleFailures counts the user's failed module attempts submitted
	// since t, and when the newest was submitted.
	ModuleFailures(ctx context.Context, userID int64, courseID, moduleID string, since time.Time) (int, time.Time, error)
}

// CertificateStore keeps certificate records.
type CertificateStore interface {
	// CurrentCertificate returns the holder's unrevoked certificate of the
	// course that expires last, or a zero Certificate.
	CurrentCertificate(ctx context.Context, userID int64, courseID string) (Certificate, error)
	CertificateByID(ctx context.Context, id string) (Certificate, error)
	// UserCertificates lists a holder's certificates, newest first.
	UserCertificates(ctx context.Context, userID int64) ([]Certificate, error)
	// RecentCertificates lists everyone's newest certificates.
	RecentCertificates(ctx context.Context, limit int) ([]Certificate, error)
	// RevokedIndexes returns the status list positions of revoked ones.
	RevokedIndexes(ctx context.Context) ([]int, error)
	// RevokeCertificate marks a certificate revoked and audits it; the
	// first reason is kept.
	RevokeCertificate(ctx context.Context, id, reason string, by Actor) error
}

// Config holds the rules' settings, read once at start. Zero values get
// the defaults named.
type Config struct {
	// ExamAttemptsPerDay caps final exam attempts per person in 24 hours
	// (default 3).
	ExamAttemptsPerDay int
	// Registration allows self-registration.
	Registration bool
	// LoginWindow is the period over which failed logins count (default
	// 15 minutes); AccountLimit is how many one account may have in it
	// (default 10).
	LoginWindow  time.Duration
	AccountLimit int
	// AddressLimit is how many failed logins one client address may have
	// in LoginWindow (default 100: a whole office may share an address),
	// counted in the database so that it holds across instances; the web
	// layer uses the same number for invalid invitation links.
	AddressLimit int
	// InviteTTL is how long invitation and reset links work (default 14 days).
	InviteTTL time.Duration
	// AggregateOnly is the works-council mode: HR and admins see department
	// totals of groups of at least MinGroup people (default 5), no
	// per-person rows.
	AggregateOnly bool
	MinGroup      int
	// QuizCooldown is the wait before the next module quiz after
	// CooldownFailures failures within CooldownWindow; 0 means
	// DefaultCooldown, a negative value turns the wait off.
	QuizCooldown time.Duration
	// Location is the organisation's time zone given as a flag: dates and
	// times shown to people (pages, files, emails) are in it; machine
	// formats stay UTC. nil: the stored setting, else DefaultTimeZone (see
	// Organisation).
	Location *time.Location
	// Organisation holds the organisation's settings given as flags; they
	// win over the stored ones.
	Organisation OrgFlags
	// BaseURL is where people reach kipass, for links in emails.
	BaseURL string
	// MailConfigured: a mail server is set up, so invitations and
	// reminders go by email (else invitations are links for HR to pass on).
	MailConfigured bool
	// Messages is the catalog the emails are written from; nil: the
	// embedded catalog, read when an email is written.
	Messages *i18n.Catalog
}

// withDefaults fills in the defaults of zero settings.
func (c Config) withDefaults() Config {
	c.ExamAttemptsPerDay = cmp.Or(c.ExamAttemptsPerDay, 3)
	c.LoginWindow = cmp.Or(c.LoginWindow, 15*time.Minute)
	c.AccountLimit = cmp.Or(c.AccountLimit, 10)
	c.AddressLimit = cmp.Or(c.AddressLimit, 100)
	c.InviteTTL = cmp.Or(c.InviteTTL, 14*24*time.Hour)
	c.MinGroup = cmp.Or(c.MinGroup, 5)
	c.QuizCooldown = cmp.Or(c.QuizCooldown, DefaultCooldown)
	return c
}

// Deps are the use cases' collaborators. The store implements every
// interface; each use case needs only some.
type Deps struct {
	Config       Config
	Attempts     AttemptStore
	Certificates CertificateStore
	Accounts     AccountStore
	Reports      ReportStore
	Assignments  AssignmentStore
	Audit        AuditStore
	Sessions     SessionStore
	Tokens       TokenStore
	Directory    DirectoryStore
	Outreach     OutreachStore   // invitations and reminders HR sends
	Departments  DepartmentStore // the list of departments
	Mail         Mailer          // how they are sent; nil: only with MailConfigured false
	Passwords    PasswordStore
	Learner      LearnerStore  // the learner's dashboard; nil: no states, due dates
	Settings     SettingsStore // the organisation's settings; nil: flags only
	// ResetMail sends password-reset emails; nil when no SMTP server is
	// configured (people then ask an administrator for a reset link).
	ResetMail mail.Sender
	Logger    *slog.Logger            // default: discard
	Hasher    *auth.Hasher            // password hashing with a bounded queue
	Catalog   func() *courses.Catalog // the current course catalogue
	Now       func() time.Time        // default time.Now
	// Rand returns the source of a draw; default a ChaCha8 seeded from
	// crypto/rand. Tests pass a fixed seed.
	Rand func() *mrand.Rand
	// AddressKey keys the hash under which client addresses are counted
	// for the login throttle (the database never holds an address).
	// Instances that share a database need the same key to share the
	// count; serve derives it from the signing keys. nil: a random key,
	// so the count is this process's own.
	AddressKey []byte
}

// App runs the use cases. It holds no request state and is safe for
// concurrent use.
type App struct {
	cfg      Config
	att      AttemptStore
	certs    CertificateStore
	accounts AccountStore
	reports  ReportStore
	assign   AssignmentStore
	audit    AuditStore
	sessions SessionStore
	tokens   TokenStore
	dir      DirectoryStore
	outreach OutreachStore
	depts    DepartmentStore
	mail     Mailer
	// passwords keeps self-service changes; resetMail sends reset links.
	passwords PasswordStore
	learner   LearnerStore
	settings  SettingsStore
	org       orgCache
	resetMail mail.Sender
	log       *slog.Logger
	hasher    *auth.Hasher
	catalog   func() *courses.Catalog
	now       func() time.Time
	rand      func() *mrand.Rand
	// addrKey keys the address hash (Deps.AddressKey).
	addrKey []byte
	// reportRows holds recent HR report rows, made on first use (an App
	// made for one job run needs none: the cache sweeps in the background).
	reportRows *ttlcache.Cache[string, reportEntry]
	reportOnce sync.Once
	// background counts work that outlives its request (a reset email),
	// so a shutdown can wait for it (WaitBackground).
	background sync.WaitGroup
}

// WaitBackground waits until the work started in the background (the
// password-reset emails) has ended, or until ctx ends. A server calls it
// after its last request, before the process exits, so an email that a
// learner was promised is not cut off by a restart.
func (a *App) WaitBackground(ctx context.Context) error {
	done := make(chan struct{})
	go func() { a.background.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// New returns the use cases over the given collaborators.
func New(d Deps) *App {
	a := &App{cfg: d.Config.withDefaults(), att: d.Attempts, certs: d.Certificates, accounts: d.Accounts, reports: d.Reports,
		assign: d.Assignments, audit: d.Audit, sessions: d.Sessions, tokens: d.Tokens, dir: d.Directory, outreach: d.Outreach, depts: d.Departments, mail: d.Mail,
		passwords: d.Passwords, learner: d.Learner, settings: d.Settings, resetMail: d.ResetMail, log: d.Logger, hasher: d.Hasher, catalog: d.Catalog, now: d.Now, rand: d.Rand}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = discardLogger()
	}
	if a.rand == nil {
		a.rand = newRand
	}
	a.addrKey = d.AddressKey
	if len(a.addrKey) == 0 {
		a.addrKey = make([]byte, 32)
		rand.Read(a.addrKey)
	}
	return a
}

// Config returns the settings in effect, defaults filled in.
func (a *App) Config() Config { return a.cfg }

// Now returns the use cases' current time.
func (a *App) Now() time.Time { return a.now() }

func newRand() *mrand.Rand {
	var seed [32]byte
	rand.Read(seed[:])
	return mrand.New(mrand.NewChaCha8(seed))
}

// newID returns a random 128-bit id, URL-safe (22 characters).
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Course returns a course of the current catalogue.
func (a *App) Course(id string) (*courses.Course, bool) { return a.catalog().Course(id) }
