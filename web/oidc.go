package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/sso"
)

// Single sign-on (OpenID Connect): GET /auth/oidc/login sends the browser
// to the provider, GET /auth/oidc/callback completes the sign-in. The
// protocol is internal/sso's, the account rules are app.SignOn's; these
// handlers keep the sign-in under a short-lived cookie and render.

// oidcCookieMaxAge is the transaction cookie's lifetime (sso.TransactionTTL).
const oidcCookieMaxAge = int(sso.TransactionTTL / time.Second)

// ssoOn reports whether sign-in through a provider is configured.
func (s *server) ssoOn() bool { return s.rp != nil && s.signOn.Enabled() }

// loginData is what the login page shows besides the form.
type loginData struct {
	// Provider is the name on "Sign in with ..."; "" without single sign-on.
	Provider string
	// SSOURL starts the sign-in at the provider, keeping next.
	SSOURL string
	// Passwords is false when --password-login=false: the password form
	// is then only for the break-glass admin.
	Passwords bool
}

func (s *server) loginData(next string) loginData {
	d := loginData{Passwords: s.signOn == nil || s.signOn.Config().PasswordLogin}
	if s.ssoOn() {
		d.Provider = s.rp.ProviderName()
		d.SSOURL = sso.LoginPath
		if next != "" && next != "/" {
			d.SSOURL += "?next=" + url.QueryEscape(next)
		}
	}
	return d
}

// oidcCookie is the name of the cookie holding the sign-in's id.
func (s *server) oidcCookie() string {
	if s.secure {
		return "__Host-kipass_oidc"
	}
	return "kipass_oidc"
}

func (s *server) oidcLogin(c *fiber.Ctx) error {
	if !s.ssoOn() {
		return fiber.ErrNotFound
	}
	tx, redirect, err := s.rp.Begin(c.UserContext(), safeNext(c.Query("next")))
	if err != nil {
		return s.ssoFailed(c, err)
	}
	if err := s.signOn.SaveLogin(c.UserContext(), tx); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: s.oidcCookie(), Value: tx.ID, Path: "/", MaxAge: oidcCookieMaxAge,
		HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	return c.Redirect(redirect, fiber.StatusFound)
}

func (s *server) oidcCallback(c *fiber.Ctx) error {
	if !s.ssoOn() {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	id := c.Cookies(s.oidcCookie())
	c.Cookie(&fiber.Cookie{Name: s.oidcCookie(), Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	tx, err := s.signOn.TakeLogin(ctx, id)
	if err != nil {
		return s.ssoFailed(c, err)
	}
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	res, err := s.rp.Finish(ctx, tx, q)
	if err != nil {
		return s.ssoFailed(c, err)
	}
	u, err := s.signOn.SignIn(ctx, res.Identity)
	if err != nil {
		return s.ssoFailed(c, err)
	}
	// A session this browser had before (perhaps someone else's) ends:
	// the sign-in starts a new one.
	if h, ok := c.Locals(localSession).([]byte); ok {
		s.sessions.drop(h)
		if err := s.app.DeleteSession(ctx, h); err != nil {
			return err
		}
	}
	token, exp, err := s.signOn.StartSession(ctx, u.ID, s.cfg.SessionTTL, res.IDToken)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: token, Path: "/", Expires: exp,
		HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	s.issueCSRF(c, auth.HashToken(token))
	s.log.Info("signed in through the provider", "user_id", u.ID)
	return c.Redirect(safeNext(res.Next), fiber.StatusSeeOther)
}

// ssoError is what the sign-in error page shows.
type ssoError struct {
	Message   string
	Provider  string
	Retry     string // starts a new sign-in at the provider
	Passwords bool   // password login works for everyone
}

// ssoFailed shows a sign-in that did not work as a page with the reason, a
// way to try again and, while passwords work, the way to the password
// login. The log gets the code and the cause (no personal data: the
// identity is never in these errors).
func (s *server) ssoFailed(c *fiber.Ctx, err error) error {
	e := errs.As(err)
	if e == nil {
		return err
	}
	status, _ := classify(err)
	s.log.Warn("oidc: sign-in failed", "code", e.Code, "status", status, "err", err)
	lang := langOf(c)
	if lang == "" {
		c.Locals(localLang, "de")
		lang = "de"
	}
	msg := e.Message
	if m, ok := s.views.messages.Lookup(lang, "sso.err."+e.Code); ok {
		msg = m
		if strings.Contains(m, "%s") {
			msg = fmt.Sprintf(m, s.rp.ProviderName())
		}
	}
	title := "sso.failed_title"
	if e.Kind == errs.Unavailable {
		title = "sso.unavailable_title"
	}
	d := ssoError{Message: msg, Provider: s.rp.ProviderName(), Retry: sso.LoginPath, Passwords: s.signOn.Config().PasswordLogin}
	return s.render(c, status, "sso_error", title, nil, d)
}

// passwordAllowed applies --password-login to an account whose password
// checked out.
func (s *server) passwordAllowed(u app.User) error {
	if s.signOn.PasswordAllowed(u) {
		return nil
	}
	return app.ErrPasswordLoginOff
}

// providerLogoutURL returns where to send the browser after its session
// ended: the provider's end-session endpoint for a session that started
// there, else "". A provider that is down does not stop the logout.
func (s *server) providerLogoutURL(c *fiber.Ctx) string {
	h, ok := c.Locals(localSession).([]byte)
	if !ok || !s.ssoOn() {
		return ""
	}
	tok, err := s.signOn.SessionIDToken(c.UserContext(), h)
	if err != nil || tok == "" {
		return ""
	}
	u, err := s.rp.LogoutURL(c.UserContext(), tok, s.postLogoutURL())
	if err != nil {
		s.log.Warn("oidc: no logout at the provider", "err", err)
		return ""
	}
	return u
}

// postLogoutURL is where the provider sends the browser back after its
// logout; operators register it at the provider.
func (s *server) postLogoutURL() string { return strings.TrimRight(s.cfg.BaseURL.String(), "/") + "/" }

// ssoLogout is the page shown after the kipass session ended, on the way to
// the provider's logout. It is a page with a refresh rather than a
// redirect: the logout is a form post, and the form-action 'self' policy
// forbids a form's redirect to another origin.
type ssoLogout struct {
	URL      string
	Provider string
}

func (s *server) renderProviderLogout(c *fiber.Ctx, u string) error {
	return s.render(c, fiber.StatusOK, "sso_logout", "sso.logout_title", nil, ssoLogout{URL: u, Provider: s.rp.ProviderName()})
}

// apiUnlinkOIDC removes an account's provider identity (admins).
func (s *server) apiUnlinkOIDC(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 || s.signOn == nil {
		return fiber.ErrNotFound
	}
	if err := s.signOn.Unlink(c.UserContext(), *currentUser(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
