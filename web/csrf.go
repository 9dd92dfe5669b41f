package web

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/errs"
)

// CSRF tokens are issued by the server only. A token is a random nonce and
// an HMAC over the nonce and the session it belongs to (the SHA-256 of the
// session token; nothing for a visitor without a session):
//
//	base64url(nonce[16] || HMAC-SHA256(key, "kipass-csrf-v1" || nonce || session)[:16])
//
// A cookie the client chose carries no valid HMAC and is refused, a token
// of one session is worthless in another, and the token changes whenever
// the session does: at login (startSession) and at logout (endSession).
// The HMAC key is derived from the issuer's signing keys with HKDF, so every
// instance that shares the keys accepts the others' tokens, and tokens made
// with a retired key keep working; nothing is kept in process memory.
const (
	csrfNonce = 16
	csrfMAC   = 16
	csrfInfo  = "kipass-csrf-v1"
)

// csrfKeys returns the HMAC keys: the one from the current signing key
// first (it issues), then those of the retired keys (they still verify).
func (s *server) csrfKeys() [][]byte {
	var keys [][]byte
	ks := s.signer.Keys()
	current := ks.Current()
	for _, k := range ks.Keys() {
		if k.Private == nil {
			continue
		}
		secret, err := k.Private.Bytes()
		if err != nil {
			continue
		}
		key, err := hkdf.Key(sha256.New, secret, nil, csrfInfo, 32)
		if err != nil {
			continue
		}
		if k == current {
			keys = append([][]byte{key}, keys...)
		} else {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 { // a key store without private keys signs nothing; tokens then live as long as the process
		keys = append(keys, s.csrfFallback)
	}
	return keys
}

func csrfSum(key, nonce, session []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(csrfInfo))
	m.Write(nonce)
	m.Write(session)
	return m.Sum(nil)[:csrfMAC]
}

// newCSRF issues a token bound to the session (its hash; nil for none).
func (s *server) newCSRF(session []byte) string {
	b := make([]byte, csrfNonce, csrfNonce+csrfMAC)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(append(b, csrfSum(s.csrfKeys()[0], b, session)...))
}

// csrfValid reports whether token was issued by this server for the session.
func (s *server) csrfValid(token string, session []byte) bool {
	if base64.RawURLEncoding.EncodedLen(csrfNonce+csrfMAC) != len(token) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != csrfNonce+csrfMAC {
		return false
	}
	for _, key := range s.csrfKeys() {
		if hmac.Equal(b[csrfNonce:], csrfSum(key, b[:csrfNonce], session)) {
			return true
		}
	}
	return false
}

// issueCSRF sets a new token for the session as the CSRF cookie and as the
// token the page being rendered puts into its forms.
func (s *server) issueCSRF(c *fiber.Ctx, session []byte) {
	token := s.newCSRF(session)
	c.Cookie(&fiber.Cookie{Name: s.cookies.csrf, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	c.Locals(localCSRF, token)
}

// csrf protects cookie-authenticated state changes: the CSRF cookie must
// be a token this server issued for the caller's current session, and the
// form field _csrf or the X-CSRF-Token header must repeat it. A missing,
// foreign or stale cookie is replaced by a fresh token (so the next page
// works) and the unsafe request is refused. Bearer-token calls carry no
// ambient authority and are exempt, as are API calls without a session
// cookie.
func (s *server) csrf(c *fiber.Ctx) error {
	if b, _ := c.Locals(localBearer).(bool); b {
		return c.Next()
	}
	session, _ := c.Locals(localSession).([]byte)
	cookie := c.Cookies(s.cookies.csrf)
	valid := s.csrfValid(cookie, session)
	if valid {
		c.Locals(localCSRF, cookie)
	} else {
		s.issueCSRF(c, session)
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if len(c.Path()) >= 5 && c.Path()[:5] == "/api/" && c.Cookies(s.cookies.session) == "" {
		return c.Next()
	}
	sent := c.Get("X-CSRF-Token")
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if !valid || subtle.ConstantTimeCompare([]byte(sent), []byte(cookie)) != 1 {
		return errs.New(errs.Forbidden, "csrf_failed", "The form has expired. Please reload the page and try again.")
	}
	return c.Next()
}
