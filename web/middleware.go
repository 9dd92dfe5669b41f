package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
)

// Locals keys.
const (
	localUser       = "user"
	localSession    = "session_hash"
	localBearer     = "bearer"
	localLang       = "lang"
	localLangChoice = "lang_choice"
	localScope      = "hr_scope"
	localCSRF       = "csrf"
	localReqID      = "request_id"
	localHeadMeta   = "head_meta" // template.HTML for the page's <head> (sharing previews)
)

// logRequests writes one log line per request: method, route template,
// status, duration and request id. Never the raw path (it may hold tokens),
// the client address, or anything about the user.
func (s *server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	c.Locals(localReqID, id)
	c.Set("X-Request-Id", id)
	err := c.Next()
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	route := c.Route().Path
	if c.Response().StatusCode() == fiber.StatusNotFound {
		route = "(unmatched)"
	}
	s.log.Info("request", "method", c.Method(), "route", route, "status", c.Response().StatusCode(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", id)
	return nil
}

// securityHeaders sets the headers every response carries.
func (s *server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders is also called by the error handler, which answers
// some errors (an oversized body) before any middleware ran.
func (s *server) setSecurityHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Nothing is cached unless a handler says so afterwards (static files,
	// the public keys, the status list); error responses are never cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.secure {
		c.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// limitBody refuses bodies over the configured limit, except on the routes
// that take an upload (a PDF to verify, a CSV to import: 5 MiB).
func (s *server) limitBody(c *fiber.Ctx) error {
	n := len(c.Request().Body())
	if n <= s.cfg.BodyLimit {
		return c.Next()
	}
	if c.Method() == fiber.MethodPost && (c.Path() == "/verify" || c.Path() == "/api/v1/verify" || c.Path() == "/admin/import") && n <= MaxUpload+64<<10 {
		return c.Next()
	}
	return errs.New(errs.TooLarge, "too_large", "The request body is too large.")
}

// loadSession finds the caller's session from the bearer token or the
// session cookie and stores the user in the context. An invalid token is
// treated as no session.
func (s *server) loadSession(c *fiber.Ctx) error {
	token, bearer := bearerToken(c)
	if !bearer {
		token = c.Cookies(s.cookies.session)
	}
	if token == "" || len(token) > 128 {
		return c.Next()
	}
	h := auth.HashToken(token)
	sess, ok := s.sessions.get(h)
	var err error
	if !ok {
		if sess, err = s.app.SessionByHash(c.UserContext(), h, s.cfg.IdleTimeout); err == nil {
			s.sessions.put(h, sess)
		}
	}
	switch {
	case err == nil:
		u := sess.User
		c.Locals(localUser, &u)
		c.Locals(localSession, h)
		c.Locals(localBearer, bearer)
	case errs.KindOf(err) == errs.Internal:
		return err
	case bearer:
		return errs.New(errs.Unauthorized, "invalid_token", "The token is invalid or has expired.")
	}
	return c.Next()
}

func bearerToken(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

func currentUser(c *fiber.Ctx) *app.User {
	u, _ := c.Locals(localUser).(*app.User)
	return u
}

// requireUser answers 401 to API calls without a session.
func (s *server) requireUser(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return errs.New(errs.Unauthorized, "unauthorized", "Please log in.")
	}
	return c.Next()
}

// requirePageUser sends anonymous visitors of a page to the login form.
func (s *server) requirePageUser(c *fiber.Ctx) error {
	if currentUser(c) == nil {
		return c.Redirect("/login?next="+url.QueryEscape(safeNext(c.OriginalURL())), fiber.StatusSeeOther)
	}
	return c.Next()
}

// language picks the page language: ?lang= (or a form's lang field);
// else the account's language; else Accept-Language; else German. A choice
// sent with a POST (the navigation's language button, the login form) is
// also saved on the account; a GET never writes to the database, it only
// shows that page in the language asked for. No cookie is set for it:
// kipass sets only the session, CSRF and flash cookies (see docs/PRIVACY.md).
func (s *server) language(c *fiber.Ctx) error {
	q := c.Query("lang")
	post := c.Method() == fiber.MethodPost
	if q == "" && post {
		q = c.FormValue("lang")
	}
	u := currentUser(c)
	lang := ""
	switch {
	case validLang(q):
		lang = q
		c.Locals(localLangChoice, q)
		if u != nil && u.Lang != q && post {
			if err := s.app.SetLanguage(c.UserContext(), u.ID, q); err != nil {
				return err
			}
			u.Lang = q
			s.sessions.dropUser(u.ID)
		}
	case u != nil && validLang(u.Lang):
		lang = u.Lang
	default:
		lang = acceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	c.Locals(localLang, lang)
	return c.Next()
}

func validLang(l string) bool { return l == "de" || l == "en" }

// acceptLanguage returns de or en, whichever the header ranks higher; de
// when it names neither.
func acceptLanguage(h string) string {
	best, bestQ := "de", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !validLang(base) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return "de"
}

// safeNext keeps redirect targets on this site. It accepts only a path
// that starts with exactly one "/", followed by neither "/" nor a
// backslash, with no backslash and no control character anywhere, both as
// given and after each round of percent-decoding: browsers read a
// backslash as "/" and drop tabs and newlines, so "/" + backslash + "evil"
// or "/<tab>/evil" would leave the site. Anything
// else (a scheme, "//host", a broken escape) becomes "/".
func safeNext(next string) string {
	if len(next) > 512 {
		return "/"
	}
	s := next
	for range 4 {
		if !sitePath(s) {
			return "/"
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		if d == s {
			return next
		}
		s = d
	}
	return "/" // encoded more deeply than any link of ours
}

// sitePath reports whether s is a path on this site by safeNext's rules.
func sitePath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}
