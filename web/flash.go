package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// A flash is the one-time success message of a post-redirect-get: the
// handler of a form sets it on the redirect, the next page shown in the
// same browser session says it once (role=status) and clears it. It lives
// in a short cookie, not in the address: a message key of the "flash."
// family and whole numbers only, never a name or an address, so nothing
// personal reaches the address bar, the history or a log. The value is
// signed with the CSRF keys and bound to the session (the SHA-256 of its
// token), so a cookie made by hand or carried to another session shows
// nothing, and it expires after flashTTL:
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, "kipass-flash-v1" || payload || session)[:16])
//	payload = unix-expiry "|" key ":" n,n "|" key ...
const (
	flashInfo   = "kipass-flash-v1"
	flashPrefix = "flash."
	flashTTL    = 5 * time.Minute
	flashMax    = 4 // messages in one flash
)

// flashMsg is one message of a flash: a key below "flash." and its
// numbers (plural forms choose by the first).
type flashMsg struct {
	Key  string
	Args []int
}

// flash is shorthand for a message with its numbers.
func flash(key string, args ...int) flashMsg { return flashMsg{Key: key, Args: args} }

func (s *server) flashCookieName() string {
	if s.secure {
		return "__Host-kipass_flash"
	}
	return "kipass_flash"
}

func flashSum(key []byte, payload string, session []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(flashInfo))
	m.Write([]byte(payload))
	m.Write(session)
	return m.Sum(nil)[:16]
}

// setFlash attaches the messages to the response (a redirect, usually).
// Keys outside the "flash." family are a programming error and dropped.
func (s *server) setFlash(c *fiber.Ctx, msgs ...flashMsg) {
	parts := []string{strconv.FormatInt(s.now().Add(flashTTL).Unix(), 10)}
	for _, m := range msgs {
		if !strings.HasPrefix(m.Key, flashPrefix) || strings.ContainsAny(m.Key, "|:,") || len(parts) > flashMax {
			continue
		}
		nums := make([]string, len(m.Args))
		for i, n := range m.Args {
			nums[i] = strconv.Itoa(n)
		}
		parts = append(parts, m.Key+":"+strings.Join(nums, ","))
	}
	if len(parts) == 1 {
		return
	}
	payload := strings.Join(parts, "|")
	session, _ := c.Locals(localSession).([]byte)
	value := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(flashSum(s.csrfKeys()[0], payload, session))
	c.Cookie(&fiber.Cookie{Name: s.flashCookieName(), Value: value, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax",
		MaxAge: int(flashTTL / time.Second)})
}

// takeFlash reads the session's flash and clears the cookie: a flash is
// shown once. A value that is foreign, stale, made for another session or
// malformed yields nothing.
func (s *server) takeFlash(c *fiber.Ctx) []flashMsg {
	raw := c.Cookies(s.flashCookieName())
	if raw == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{Name: s.flashCookieName(), Value: "", Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: "Lax",
		MaxAge: -1, Expires: time.Unix(0, 0)})
	if len(raw) > 512 {
		return nil
	}
	enc, sig, ok := strings.Cut(raw, ".")
	if !ok {
		return nil
	}
	p, err1 := base64.RawURLEncoding.DecodeString(enc)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return nil
	}
	payload := string(p)
	session, _ := c.Locals(localSession).([]byte)
	valid := false
	for _, key := range s.csrfKeys() {
		if hmac.Equal(mac, flashSum(key, payload, session)) {
			valid = true
			break
		}
	}
	if !valid {
		return nil
	}
	parts := strings.Split(payload, "|")
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return nil
	}
	var out []flashMsg
	for _, part := range parts[1:] {
		key, nums, _ := strings.Cut(part, ":")
		if !strings.HasPrefix(key, flashPrefix) {
			return nil
		}
		m := flashMsg{Key: key}
		if nums != "" {
			for _, n := range strings.Split(nums, ",") {
				v, err := strconv.Atoi(n)
				if err != nil {
					return nil
				}
				m.Args = append(m.Args, v)
			}
		}
		out = append(out, m)
	}
	return out
}

// writeFlash writes the session's flash, if any, at the top of the page
// content in the page's language. Unknown keys are left out.
func (s *server) writeFlash(c *fiber.Ctx, w io.Writer) {
	msgs := s.takeFlash(c)
	if len(msgs) == 0 {
		return
	}
	lang := langOf(c)
	var lines []string
	for _, m := range msgs {
		args := make([]any, len(m.Args))
		for i, n := range m.Args {
			args[i] = n
		}
		f, ok := s.views.messages.Lookup(lang, m.Key, args...)
		if !ok {
			continue
		}
		text := f
		if len(args) > 0 {
			text = fmt.Sprintf(f, args...)
		}
		lines = append(lines, "<p>"+template.HTMLEscapeString(text)+"</p>")
	}
	if len(lines) == 0 {
		return
	}
	io.WriteString(w, `<div class="alert ok flash" role="status" id="flash">`+strings.Join(lines, "")+`</div>`)
}
