package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"kipass/certificates"
	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/i18n"
	"kipass/internal/mail"
	"kipass/internal/sso"
	"kipass/internal/store"
	"kipass/web"
)

// serveConfig is the configuration of `kipass serve`, read once.
type serveConfig struct {
	Addr           string
	Data           string
	Database       string
	Content        string
	Watch          bool
	BaseURL        string
	Registration   bool
	TrustedProxies string
	HashParallel   int
	IssuerName     string
	IssuerEmail    string
	IssuerPhone    string
	IssuerLogo     string
	LinkedInOrgID  string
	SigningKey     string
	PDFCert        string
	ExamAttempts   int
	QuizCooldown   time.Duration
	TimeZone       string
	location       *time.Location
	Backup         backupConfig
	Privacy        privacyOptions
	SSO            sso.Flags
	SCIMRoles      string
	SCIMDeptPrefix string

	// Derived while parsing.
	mail    mail.Config
	proxies []string
}

// serveHooks lets tests watch the start; production uses the zero value.
type serveHooks struct {
	// starting runs once the listener answers 503 "starting" and before
	// the database is opened.
	starting func(addr net.Addr)
}

func cmdServe(ctx context.Context, args []string, e env) error {
	return serve(ctx, args, e, serveHooks{})
}

func serve(ctx context.Context, args []string, e env, hooks serveHooks) error {
	cfg, err := parseServeConfig(args, e)
	if err != nil {
		return err
	}
	return startServe(ctx, cfg, e, hooks)
}

// parseServeConfig reads and checks serve's flags (and KIPASS_*
// variables): everything that can be wrong with the configuration is
// reported here, before anything is opened or listened on.
func parseServeConfig(args []string, e env) (serveConfig, error) {
	var cfg serveConfig
	fs := newFlags("serve", e)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.StringVar(&cfg.Data, "data", "./data", "`directory` for the database and signing keys (created if missing)")
	fs.StringVar(&cfg.Database, "database", "", databaseUsage)
	fs.StringVar(&cfg.Content, "content", "", "`directory` with the course content to serve instead of the embedded course")
	fs.BoolVar(&cfg.Watch, "watch", false, "reload --content when its files change (for writing content; keeps the old version while the new one has problems)")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "public `URL` of this server, e.g. https://kipass.example.com (default: derived from --addr)")
	fs.BoolVar(&cfg.Registration, "registration", true, "allow self-registration (--registration=false to turn it off)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", "", "comma-separated `addresses` of reverse proxies whose X-Forwarded-For is trusted")
	fs.IntVar(&cfg.HashParallel, "hash-parallel", 4, "maximum password hashes computed at once (each takes 19 MiB)")
	fs.StringVar(&cfg.IssuerName, "issuer-name", "", "organisation named as the issuer on certificates; wins over the name set at /admin/settings")
	fs.StringVar(&cfg.IssuerEmail, "issuer-email", "", "public contact `address` stated in the issuer's Open Badges profile (optional)")
	fs.StringVar(&cfg.IssuerPhone, "issuer-phone", "", "public contact `number` stated in the issuer's Open Badges profile (optional)")
	fs.StringVar(&cfg.IssuerLogo, "issuer-logo-url", "", "absolute `URL` of the issuer's logo, stated as the image of its Open Badges profile (optional)")
	fs.StringVar(&cfg.LinkedInOrgID, "linkedin-organization-id", "", "the issuer's LinkedIn organisation `id` (digits): \"add to profile\" links then name its company page")
	fs.StringVar(&cfg.SigningKey, "signing-key", "", "PEM `file` with the ECDSA P-256 signing key (default: keys created in DATA/keys)")
	fs.StringVar(&cfg.PDFCert, "pdf-cert", "", "PEM `file` with the X.509 certificate chain for PDF signatures, leaf first, for the signing key (default: self-signed)")
	fs.IntVar(&cfg.ExamAttempts, "exam-attempts", 3, "final exam attempts allowed per person in 24 hours")
	fs.DurationVar(&cfg.QuizCooldown, "quiz-cooldown", kapp.DefaultCooldown, "wait before the next module quiz after 3 failed attempts within an hour (0 turns it off)")
	fs.StringVar(&cfg.TimeZone, "timezone", "", "the organisation's time `zone` (IANA name): dates and times on pages, in files and emails; machine formats stay UTC; wins over the zone set at /admin/settings (default there: "+kapp.DefaultTimeZone+")")
	cfg.Backup.register(fs)
	cfg.Privacy.register(fs)
	cfg.SSO.Register(fs)
	fs.StringVar(&cfg.SCIMRoles, "scim-roles", "", "`mapping` of SCIM groups to roles, e.g. hr=kipass-hr,admin=kipass-admins (everyone else is an employee; default: roles are kept in kipass)")
	fs.StringVar(&cfg.SCIMDeptPrefix, "scim-department-prefix", "", "SCIM groups named PREFIX+NAME set their members' department to NAME, e.g. dept- (default: departments come from the users' department attribute only)")
	if err := parseFlags(fs, args, e); err != nil {
		return cfg, err
	}
	if err := checkDatabaseURL(cfg.Database); err != nil {
		return cfg, err
	}
	if cfg.Database != "" && cfg.Backup.Dir != "" {
		return cfg, fail(1, "--backup-dir makes SQLite backups; with --database use PostgreSQL's pg_dump (see docs/BACKUPS.md)")
	}
	var err error
	if cfg.mail, err = cfg.Privacy.check(); err != nil {
		return cfg, err
	}
	if id := cfg.LinkedInOrgID; id != "" && (len(id) > 20 || strings.Trim(id, "0123456789") != "") {
		return cfg, fail(1, "--linkedin-organization-id %q: must be the organisation's numeric id, as in linkedin.com/company/ID", id)
	}
	switch field, why := kapp.CheckOrganisation(kapp.OrgFlags{Name: cfg.IssuerName, PrivacyContact: cfg.Privacy.Contact, DPO: cfg.Privacy.DPO}); field {
	case "org_name":
		return cfg, fail(1, "--issuer-name %q: %s; give the organisation's name, e.g. \"Muster GmbH\"", cfg.IssuerName, orgWhy(why))
	case "privacy_contact":
		return cfg, fail(1, "--privacy-contact %q: %s; give an email address or an http(s) web address", cfg.Privacy.Contact, orgWhy(why))
	case "dpo":
		return cfg, fail(1, "--privacy-dpo: %s", orgWhy(why))
	}
	if e := cfg.IssuerEmail; e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n<>\"")) {
		return cfg, fail(1, "--issuer-email %q: not an email address", e)
	}
	if l := cfg.IssuerLogo; l != "" {
		if u, err := url.Parse(l); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(l, " \t\r\n\"<>") {
			return cfg, fail(1, "--issuer-logo-url %q: give an absolute http(s) URL", l)
		}
	}
	if cfg.BaseURL != "" {
		if _, err := parseBaseURL(cfg.BaseURL); err != nil {
			return cfg, fail(1, "--base-url %q: %v; give the address users open, e.g. https://kipass.example.com", cfg.BaseURL, err)
		}
	}
	for _, p := range strings.Split(cfg.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return cfg, fail(1, "--trusted-proxies: %q is not an IP address or CIDR range", p)
				}
			}
			cfg.proxies = append(cfg.proxies, p)
		}
	}
	if cfg.Watch && cfg.Content == "" {
		return cfg, fail(1, "--watch needs --content DIR")
	}
	if cfg.TimeZone != "" {
		if cfg.location, err = time.LoadLocation(cfg.TimeZone); err != nil || strings.EqualFold(cfg.TimeZone, "local") {
			return cfg, fail(1, "--timezone %q is not a time zone; give an IANA name such as Europe/Berlin or UTC", cfg.TimeZone)
		}
	}
	// The flags are checked now; the redirect URI is built again in
	// startServe once the base URL is known (it may come from the listener).
	if _, err := cfg.SSO.Config(cmp.Or(cfg.BaseURL, "http://localhost")); err != nil {
		return cfg, fail(1, "%v", err)
	}
	if _, err := sso.ParseRoles(cfg.SCIMRoles); err != nil {
		return cfg, fail(1, "%s", strings.ReplaceAll(err.Error(), "--oidc-roles", "--scim-roles"))
	}
	return cfg, nil
}

// startServe starts kipass with a checked configuration: it loads the
// content, listens, opens the database and keys, wires store, use cases
// and web, runs the background tasks and serves until ctx ends.
func startServe(ctx context.Context, cfg serveConfig, e env, hooks serveHooks) error {
	mailCfg, proxies := cfg.mail, cfg.proxies
	contentDir, contentName, err := contentFS(cfg.Content)
	if err != nil {
		return err
	}
	var loadedFingerprint string
	if cfg.Watch {
		loadedFingerprint = fingerprint(contentDir)
	}
	catalog, err := courses.Load(contentDir)
	if err != nil {
		return fail(1, "%s has problems, not starting:\n%v", contentName, err)
	}
	var catalogs catalogHolder
	catalogs.p.Store(catalog)
	if err := ensureDataDir(cfg.Data); err != nil {
		return fail(1, "data directory %s is not usable (%v); choose another with --data", cfg.Data, err)
	}
	if err := cfg.Backup.check(); err != nil {
		return err
	}
	rawLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(1, "cannot listen on %s (%v); choose another address with --addr", cfg.Addr, err)
	}
	ln := newTrackingListener(rawLn)
	defer ln.Close()
	base, err := resolveBaseURL(cfg.BaseURL, ln.Addr().(*net.TCPAddr))
	if err != nil {
		return fail(1, "%v", err)
	}

	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	sender, err := mail.New(mailCfg, logger)
	if err != nil {
		return fail(1, "mail settings: %v", err)
	}
	// Until the app is ready the listener answers 503 (see ready.go).
	gate := openGate(ln, logger)
	defer gate.handOver()
	if hooks.starting != nil {
		hooks.starting(ln.Addr())
	}
	db, err := openDatabase(ctx, cfg.Data, cfg.Database)
	if err != nil {
		if ctx.Err() != nil { // SIGTERM while migrating: the migration was rolled back
			logger.Info("stopped while starting")
			return nil
		}
		return fail(1, "cannot open %s: %v", databaseName(cfg.Data, cfg.Database), err)
	}
	defer db.Close()

	keyDir := filepath.Join(cfg.Data, "keys")
	keys := &keyHolder{log: logger}
	var ks *certificates.KeyStore
	if cfg.SigningKey != "" {
		ks, err = certificates.OpenKeyFile(cfg.SigningKey)
	} else {
		ks, err = certificates.OpenKeyStore(keyDir, time.Now)
		keys.dir = keyDir
	}
	if err != nil {
		return fail(1, "signing key: %v", err)
	}
	keys.p.Store(ks)
	signer := &web.Signer{Keys: keys.Get, Refresh: keys.unknownKid, Issuer: certificates.Issuer{URL: base.String(),
		Email: cfg.IssuerEmail, Phone: cfg.IssuerPhone, Image: cfg.IssuerLogo}}
	if cfg.PDFCert != "" {
		b, err := os.ReadFile(cfg.PDFCert)
		if err != nil {
			return fail(1, "--pdf-cert: %v", err)
		}
		if signer.Chain, err = certificates.LoadCertChain(b); err != nil {
			return fail(1, "--pdf-cert %s: %v", cfg.PDFCert, err)
		}
	}

	ssoCfg, err := cfg.SSO.Config(base.String())
	if err != nil {
		return fail(1, "%v", err)
	}
	scimRoles, _ := sso.ParseRoles(cfg.SCIMRoles)            // checked while parsing
	registration := cfg.Registration && ssoCfg.PasswordLogin // self-registration makes password accounts
	var rp *sso.RP
	if ssoCfg.Enabled {
		if rp, err = sso.NewRP(ssoCfg, sso.Options{Logger: logger}); err != nil {
			return fail(1, "single sign-on: %v", err)
		}
		// Discovery now only logs a misconfiguration early; kipass starts
		// (and passwords work) while the provider is down.
		go rp.Discover(ctx)
	}

	// The texts of the emails the use cases and the jobs write.
	messages, err := i18n.Load()
	if err != nil {
		return fail(1, "messages: %v", err)
	}
	// The use cases get the store's parts they need; web gets the use cases.
	hasher := auth.NewHasher(auth.DefaultParams, cfg.HashParallel)
	uc := kapp.New(kapp.Deps{
		Config: kapp.Config{ExamAttemptsPerDay: cfg.ExamAttempts, Registration: registration, AggregateOnly: cfg.Privacy.AggregateOnly,
			QuizCooldown: cmp.Or(cfg.QuizCooldown, -1), BaseURL: base.String(), MailConfigured: mailCfg.Host != "",
			Location: cfg.location, Messages: messages, Organisation: kapp.OrgFlags{Name: cfg.IssuerName, PrivacyContact: cfg.Privacy.Contact, DPO: cfg.Privacy.DPO}},
		Attempts: db, Certificates: db, Accounts: db, Reports: db, Assignments: db, Audit: db, Sessions: db, Tokens: db, Directory: db,
		Outreach: db, Departments: db, Mail: sender, Passwords: db, Learner: db, Settings: db, ResetMail: resetSender(mailCfg, sender), Logger: logger,
		Hasher: hasher, Catalog: catalogs.Get, AddressKey: addressKey(ks),
	})
	webCfg := web.Config{BaseURL: base, TrustedProxies: proxies, Privacy: cfg.Privacy.privacy(mailCfg.Host != "", cfg.Backup),
		LinkedInOrganizationID: cfg.LinkedInOrgID}
	if cfg.Database != "" {
		// Another instance may end a session at any moment (logout,
		// password change, deactivation): on PostgreSQL every request asks
		// the database, which answers from one index lookup.
		webCfg.SessionCacheTTL = -1
	}
	srv, err := web.NewServer(web.Deps{
		Config:   webCfg,
		App:      uc,
		SignOn:   uc.SignOn(db, ssoCfg),
		SCIM:     uc.SCIM(db, kapp.SCIMConfig{Roles: scimRoles, DepartmentPrefix: cfg.SCIMDeptPrefix}),
		RP:       rp,
		Signer:   signer,
		Catalog:  catalogs.Get,
		Messages: messages,
		Logger:   logger,
	})
	if err != nil {
		return err
	}

	setup, err := setupLink(ctx, uc, base)
	if err != nil {
		return err
	}
	if org, err := uc.Organisation(ctx); err == nil && org.Name == "" {
		logger.Warn("the organisation has no name: certificates name it only once an admin sets it at /admin/settings (or start with --issuer-name)")
	}
	gate.handOver()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(e.stdout, "kipass is running at %s (press Ctrl+C to stop)\n%s", base, setup)

	// Background tasks end before the database closes (defers run last
	// first: stopJobs, jobs.Wait, then db.Close). One runner repeats them
	// all, each on its own schedule.
	var jobs sync.WaitGroup
	jobsCtx, stopJobs := context.WithCancel(ctx)
	defer jobs.Wait()
	defer stopJobs()
	periodic := []job{retentionJob(db, cfg.Privacy.retention(), logger),
		reminderJob(db, catalogs.Get, messages, uc.Zone, sender, base.String(), logger), hrSummaryJob(db, catalogs.Get, messages, uc.Zone, sender, base.String(), logger)}
	tasks := []task{
		{name: "purge", every: time.Hour, run: purgeTask(db, logger)},
		{name: "jobs", every: time.Hour, run: func(ctx context.Context) { runDueJobs(ctx, db, time.Now, logger, periodic...) }},
		{name: "exams", every: time.Minute, run: finishExpiredTask(uc, logger)},
	}
	if cfg.Watch {
		tasks = append(tasks, task{name: "content", first: time.Second, every: time.Second, run: catalogs.reloadTask(contentDir, loadedFingerprint, logger)})
	}
	if cfg.SigningKey == "" {
		tasks = append(tasks, task{name: "keys", first: 30 * time.Second, every: 30 * time.Second, run: keys.reloadTask()})
		if rotated := db.KeysRotated(); rotated != nil {
			jobs.Go(func() { keys.followRotations(jobsCtx, rotated) })
		}
	}
	if job := cfg.Backup.job(db, logger); job != nil {
		tasks = append(tasks, job.task())
	}
	jobs.Go(func() { runTasks(jobsCtx, tasks...) })
	select {
	case err := <-served:
		return fail(1, "server stopped: %v", err)
	case <-ctx.Done():
	}
	// Graceful shutdown: the listener closes (new connections are refused),
	// connections that never sent a request are dropped, idle keep-alive
	// connections are closed, and requests in flight get up to 10 seconds.
	logger.Info("shutting down")
	stopJobs()
	if err := srv.Shutdown(shutdownGrace); err != nil {
		return fail(1, "shutdown: requests still running after %s were cut off (%v)", shutdownGrace, err)
	}
	// Reset emails promised to a request that has already been answered
	// are still being sent: give them the mail timeout.
	waitCtx, cancelWait := context.WithTimeout(context.WithoutCancel(ctx), mail.DefaultTimeout)
	defer cancelWait()
	if err := uc.WaitBackground(waitCtx); err != nil {
		logger.Warn("shutdown: emails still being sent were cut off", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// shutdownGrace is how long requests in flight may take after SIGTERM.
const shutdownGrace = 10 * time.Second

// setupLink returns the message with a one-time link that creates the first
// admin, while there is none (app.SetupToken). Each start makes a new
// link; older ones stop working.
func setupLink(ctx context.Context, uc *kapp.App, base *url.URL) (string, error) {
	token, err := uc.SetupToken(ctx)
	if err != nil || token == "" {
		return "", err
	}
	return fmt.Sprintf("No administrator yet. Open this one-time link within 24 hours to create one:\n  %s/setup?token=%s\n", base, token), nil
}

// finishExpiredTask grades the exams whose time ran out on the answers
// saved before the deadline (every minute), so that a learner who never
// comes back still gets the result of the work saved. Grading is
// idempotent, so two instances on one database may both run it.
func finishExpiredTask(uc *kapp.App, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		if n, err := uc.FinishExpired(ctx, 0); err != nil && ctx.Err() == nil {
			log.Error("grade expired exams", "err", err)
		} else if n > 0 {
			log.Info("graded expired exams", "count", n)
		}
	}
}

// purgeTask deletes ended sessions and stale throttling rows (hourly).
func purgeTask(db *store.DB, log *slog.Logger) func(context.Context) {
	return func(ctx context.Context) {
		if err := db.PurgeExpired(ctx, 30*time.Minute, 15*time.Minute); err != nil && ctx.Err() == nil {
			log.Error("purge expired sessions", "err", err)
		}
	}
}

// ensureDataDir creates dir (0700) and checks that files can be written.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

// parseBaseURL validates a public base URL: http(s), a host, no query or
// fragment; a trailing slash is dropped.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	switch {
	case err != nil:
		return nil, err
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("no host")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("no query, fragment or user info allowed")
	}
	return u, nil
}

// resolveBaseURL returns the configured base URL, or one derived from the
// address actually listened on.
func resolveBaseURL(configured string, addr *net.TCPAddr) (*url.URL, error) {
	if configured != "" {
		return parseBaseURL(configured)
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return parseBaseURL("http://" + net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// resetSender is the sender of password-reset emails: none without an SMTP
// server, so that the reset page tells people to ask an administrator
// instead of promising an email that is only logged.
func resetSender(cfg mail.Config, s mail.Sender) mail.Sender {
	if cfg.Host == "" {
		return nil
	}
	return s
}

// orgWhy says a settings check's code in words for the command line.
func orgWhy(why string) string {
	switch why {
	case "name_is_address":
		return "an address (IP, localhost or URL) is no organisation's name"
	case "invalid_contact":
		return "not an email address or web address"
	case "invalid_name":
		return "holds invisible formatting or text-direction characters"
	case "too_long":
		return "too long"
	}
	return why
}
