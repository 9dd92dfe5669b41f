package certificates

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// issuerIDShape refuses an issuer id that could show one thing and mean
// another: anything but an absolute http(s) URL with a host, or one with
// user info ("https://real.example@attacker.example" is attacker.example),
// a query, a fragment, white space or control characters. Every credential
// and PDF signer certificate that kipass reads passes through it.
func issuerIDShape(s string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %.80q %s", ErrIssuerID, s, why) }
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return bad("contains white space, control characters or a backslash")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return bad("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("is not an https URL")
	case u.Opaque != "" || u.Host == "":
		return bad("has no host")
	case u.User != nil || strings.Contains(u.Host, "@"):
		return bad("has user info (the host is what follows the @)")
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(s, "?"):
		return bad("has a query")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return bad("has a fragment")
	}
	return nil
}

// CheckIssuerID reports whether s may name an issuer to a verifier: an
// https URL (http only for a loopback host, for testing) without user
// info, query or fragment. kipass verify refuses credentials and PDF
// signer certificates whose issuer id fails it, and --issuer values too.
func CheckIssuerID(s string) error {
	if err := issuerIDShape(s); err != nil {
		return err
	}
	u, _ := url.Parse(s)
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w: %.80q is not an https URL (http only for localhost)", ErrIssuerID, s)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NormalizeIssuerID is s without a trailing slash: how issuer ids are
// compared (a kipass issuer URL never ends in one).
func NormalizeIssuerID(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }
