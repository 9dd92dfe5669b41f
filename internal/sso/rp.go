package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"kipass/internal/errs"
)

// Limits on what the provider sends. Real ID tokens are a few KiB; Entra ID
// replaces more than 200 groups by a reference, so 64 KiB leaves room for
// large group lists and refuses tokens built to exhaust memory.
const (
	MaxIDTokenBytes  = 64 << 10
	maxResponseBytes = 1 << 20
	// TransactionTTL is how long a sign-in may take at the provider.
	TransactionTTL = 10 * time.Minute
	// discoveryRetry is how long a failed discovery is not retried, so a
	// provider that is down is not asked again by every login click and
	// logins fail fast.
	discoveryRetry = 5 * time.Second
	httpTimeout    = 10 * time.Second
)

// Codes of failed sign-ins besides the refusals of Decide.
const (
	CodeProviderUnavailable = "oidc_provider_unavailable"
	CodeLoginExpired        = "oidc_login_expired"
	CodeStateMismatch       = "oidc_state_mismatch"
	CodeProviderError       = "oidc_provider_error"
	CodeCodeRejected        = "oidc_code_rejected"
	CodeIDTokenInvalid      = "oidc_id_token_invalid"
	CodeIDTokenTooLarge     = "oidc_id_token_too_large"
	CodeNonceMismatch       = "oidc_nonce_mismatch"
	CodeClaimsInvalid       = "oidc_claims_invalid"
	CodeGroupsOverage       = "oidc_groups_overage"
	CodeResponseTooLarge    = "oidc_response_too_large"
)

// errResponseTooLarge is what limitTransport's bodies fail with.
var errResponseTooLarge = fmt.Errorf("sso: provider response larger than %d bytes", maxResponseBytes)

// LoginTransaction is one sign-in in progress. The web layer keeps it on the
// server (never in the cookie's value, which carries only ID) from Begin
// until the callback, hands it to Finish once, and deletes it when it is
// taken, so a replayed callback finds nothing.
type LoginTransaction struct {
	// ID is the key the web layer stores the transaction under and puts
	// in a short-lived cookie, which binds the sign-in to the browser that
	// started it: a callback URL sent to someone else finds no
	// transaction in their browser (login CSRF).
	ID string
	// State travels through the provider and must come back unchanged.
	State string
	// Nonce must come back inside the ID token.
	Nonce string
	// Verifier is the PKCE code verifier; only its S256 hash went to the
	// provider.
	Verifier string
	// Next is the same-origin path to go to after signing in.
	Next      string
	CreatedAt time.Time
}

// Expired reports whether the transaction is older than TransactionTTL (or
// from the future, when clocks are off).
func (t LoginTransaction) Expired(now time.Time) bool {
	age := now.Sub(t.CreatedAt)
	return age > TransactionTTL || age < -time.Minute
}

// Result is a completed sign-in.
type Result struct {
	Identity Identity
	// Next is the transaction's same-origin path.
	Next string
	// IDToken is the raw ID token, for LogoutURL's id_token_hint; the web
	// layer may keep it with the session or drop it.
	IDToken string
}

// Options are the relying party's collaborators; every field is optional.
type Options struct {
	// HTTPClient talks to the provider; its transport is wrapped so that
	// no response is larger than 1 MiB. Default: a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	Now        func() time.Time
	Logger     *slog.Logger
}

// RP is the relying party: it sends browsers to the provider and checks
// what comes back. It is safe for concurrent use. Discovery happens at the
// first use, not in NewRP, so kipass starts (and password login works) while
// the provider is down.
type RP struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	mu         sync.Mutex
	disc       *discovered
	failedAt   time.Time
	failedWith error
}

type discovered struct {
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
}

// NewRP returns the relying party for a checked, enabled Config.
func NewRP(cfg Config, opts Options) (*RP, error) {
	if !cfg.Enabled {
		return nil, errors.New("sso: single sign-on is not configured")
	}
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: httpTimeout}
	}
	client := *base
	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	client.Transport = limitTransport{rt}
	rp := &RP{cfg: cfg, client: &client, now: opts.Now, log: opts.Logger}
	if rp.now == nil {
		rp.now = time.Now
	}
	if rp.log == nil {
		rp.log = slog.New(slog.DiscardHandler)
	}
	return rp, nil
}

// ProviderName is the name for "Sign in with ...".
func (rp *RP) ProviderName() string { return rp.cfg.ProviderName }

// Discover fetches the provider's metadata now (it is otherwise fetched at
// the first sign-in); serve may call it at start to log a misconfiguration
// early. The metadata is kept for the process's life; keys are refetched by
// the key set when a token names an unknown key (rotation).
func (rp *RP) Discover(ctx context.Context) error {
	_, err := rp.discover(ctx)
	return err
}

func (rp *RP) discover(ctx context.Context) (*discovered, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.disc != nil {
		return rp.disc, nil
	}
	if rp.failedWith != nil && rp.now().Sub(rp.failedAt) < discoveryRetry {
		return nil, rp.failedWith
	}
	d, err := rp.fetchDiscovery(ctx)
	if err != nil {
		rp.log.Error("oidc: discovery failed", "issuer", rp.cfg.Issuer, "err", err)
		rp.failedAt, rp.failedWith = rp.now(), unavailable(rp.cfg.ProviderName, err)
		return nil, rp.failedWith
	}
	rp.disc, rp.failedWith = d, nil
	return d, nil
}

func (rp *RP) fetchDiscovery(ctx context.Context) (*discovered, error) {
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	// The key set created by the provider keeps this client (not the
	// request's context, which ends), so JWKS refreshes are bounded too.
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, rp.client), rp.cfg.Issuer)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, fmt.Errorf("the provider calls itself %q: set --oidc-issuer to exactly that", mismatch.Discovered)
		}
		return nil, err
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Methods    []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, err
	}
	if len(meta.Methods) > 0 && !contains(meta.Methods, "S256") {
		return nil, errors.New("the provider does not support PKCE with S256 (code_challenge_methods_supported)")
	}
	if p.Endpoint().AuthURL == "" || p.Endpoint().TokenURL == "" {
		return nil, errors.New("the provider's metadata has no authorization or token endpoint")
	}
	v := p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID, Now: rp.now})
	return &discovered{provider: p, verifier: v, endSession: meta.EndSession, oauth: oauth2.Config{
		ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.cfg.RedirectURL, Scopes: rp.cfg.Scopes,
	}}, nil
}

func unavailable(name string, cause error) error {
	e := errs.New(errs.Unavailable, CodeProviderUnavailable,
		fmt.Sprintf("Sign-in with %s is not available right now: kipass cannot reach it. Please try again later.", name))
	return fmt.Errorf("%w (%v)", e, cause)
}

// Begin starts a sign-in: it returns the transaction to keep and the
// provider URL to redirect the browser to. next is where to go afterwards;
// anything but a same-origin path becomes "/".
func (rp *RP) Begin(ctx context.Context, next string) (LoginTransaction, string, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return LoginTransaction{}, "", err
	}
	tx := LoginTransaction{ID: rand.Text() + rand.Text(), State: rand.Text() + rand.Text(), Nonce: rand.Text() + rand.Text(),
		Verifier: oauth2.GenerateVerifier(), Next: SafeNext(next), CreatedAt: rp.now()}
	u := d.oauth.AuthCodeURL(tx.State, oauth2.S256ChallengeOption(tx.Verifier), oidc.Nonce(tx.Nonce))
	return tx, u, nil
}

// LoginExpired is the error for a callback whose transaction is gone
// (taken already, expired, or started in another browser).
func LoginExpired() error {
	return errs.New(errs.Invalid, CodeLoginExpired, "This sign-in has expired or was already used. Please sign in again.")
}

// Finish completes a sign-in from the provider's callback query. tx is the
// transaction the web layer took (and deleted) for the browser's cookie.
// It checks state, exchanges the code with the PKCE verifier, verifies the
// ID token (signature against the provider's keys, issuer, audience,
// expiry, nonce), and reads the claims from the ID token, asking the
// userinfo endpoint for those the token lacks.
func (rp *RP) Finish(ctx context.Context, tx LoginTransaction, query url.Values) (Result, error) {
	if tx.State == "" || tx.Expired(rp.now()) {
		return Result{}, LoginExpired()
	}
	state := query.Get("state")
	if subtle.ConstantTimeCompare([]byte(state), []byte(tx.State)) != 1 {
		return Result{}, errs.New(errs.Invalid, CodeStateMismatch, "This sign-in does not match the one started in this browser. Please sign in again.")
	}
	if pe := query.Get("error"); pe != "" {
		return Result{}, errs.New(errs.Forbidden, CodeProviderError,
			fmt.Sprintf("%s did not sign you in (%s). Please try again or ask your administrator.", rp.cfg.ProviderName, safeToken(pe)))
	}
	code := query.Get("code")
	if code == "" || len(code) > 4096 {
		return Result{}, errs.New(errs.Invalid, CodeCodeRejected, "The provider sent no usable sign-in code. Please sign in again.")
	}
	d, err := rp.discover(ctx)
	if err != nil {
		return Result{}, err
	}
	hctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	hctx = context.WithValue(hctx, oauth2.HTTPClient, rp.client)
	tok, err := d.oauth.Exchange(hctx, code, oauth2.VerifierOption(tx.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.Is(err, errResponseTooLarge) {
			return Result{}, rp.invalidToken(CodeResponseTooLarge, err)
		}
		if errors.As(err, &re) {
			rp.log.Warn("oidc: code exchange refused", "status", re.Response.StatusCode, "error", safeToken(re.ErrorCode))
			return Result{}, fmt.Errorf("%w (%v)", errs.New(errs.Forbidden, CodeCodeRejected, "The provider did not accept this sign-in. Please sign in again."), err)
		}
		return Result{}, unavailable(rp.cfg.ProviderName, err)
	}
	return rp.complete(hctx, d, tx, tok)
}

// complete checks the token response; it needs the network only for keys
// not yet cached and for claims that the ID token lacks.
func (rp *RP) complete(hctx context.Context, d *discovered, tx LoginTransaction, tok *oauth2.Token) (Result, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Result{}, rp.invalidToken(CodeIDTokenInvalid, errors.New("no id_token in the token response (is the openid scope allowed?)"))
	}
	if len(raw) > MaxIDTokenBytes {
		return Result{}, rp.invalidToken(CodeIDTokenTooLarge, fmt.Errorf("id token of %d bytes, limit %d", len(raw), MaxIDTokenBytes))
	}
	idt, err := d.verifier.Verify(oidc.ClientContext(hctx, rp.client), raw)
	if err != nil {
		return Result{}, rp.invalidToken(CodeIDTokenInvalid, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(tx.Nonce)) != 1 {
		return Result{}, rp.invalidToken(CodeNonceMismatch, errors.New("nonce missing or different"))
	}
	var azp struct {
		AZP string `json:"azp"`
	}
	_ = idt.Claims(&azp)
	if len(idt.Audience) > 1 && azp.AZP != rp.cfg.ClientID {
		return Result{}, rp.invalidToken(CodeIDTokenInvalid, errors.New("several audiences and azp is not this client"))
	}
	var claims claimSet
	if err := idt.Claims(&claims.m); err != nil {
		return Result{}, rp.invalidToken(CodeIDTokenInvalid, err)
	}
	if rp.needsUserinfo(claims) && d.provider.UserInfoEndpoint() != "" {
		ui, err := d.provider.UserInfo(oidc.ClientContext(hctx, rp.client), oauth2.StaticTokenSource(tok))
		if errors.Is(err, errResponseTooLarge) {
			return Result{}, rp.invalidToken(CodeResponseTooLarge, fmt.Errorf("userinfo: %w", err))
		}
		if err != nil {
			return Result{}, unavailable(rp.cfg.ProviderName, fmt.Errorf("userinfo: %w", err))
		}
		if ui.Subject != idt.Subject {
			return Result{}, rp.invalidToken(CodeIDTokenInvalid, errors.New("userinfo is about another subject"))
		}
		var more claimSet
		if err := ui.Claims(&more.m); err != nil {
			return Result{}, rp.invalidToken(CodeClaimsInvalid, err)
		}
		claims.fill(more)
	}
	id, err := rp.identity(idt.Subject, claims)
	if err != nil {
		return Result{}, err
	}
	return Result{Identity: id, Next: SafeNext(tx.Next), IDToken: raw}, nil
}

func (rp *RP) invalidToken(code string, cause error) error {
	rp.log.Warn("oidc: id token rejected", "code", code, "err", cause)
	return fmt.Errorf("%w (%v)", errs.New(errs.Forbidden, code, "The provider's answer could not be verified, so you are not signed in. Please try again or ask your administrator."), cause)
}

// LogoutURL returns the provider's end-session URL (RP-initiated logout)
// for after the kipass session ended, or "" when the provider publishes no
// end_session_endpoint. idTokenHint (from Result.IDToken) and
// postLogoutRedirect (which must be registered at the provider) may be "".
func (rp *RP) LogoutURL(ctx context.Context, idTokenHint, postLogoutRedirect string) (string, error) {
	d, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	if d.endSession == "" {
		return "", nil
	}
	u, err := url.Parse(d.endSession)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("sso: end_session_endpoint %q is not a URL", d.endSession)
	}
	q := u.Query()
	q.Set("client_id", rp.cfg.ClientID)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// SafeNext returns next when it is a path on this server ("/courses/x?y"),
// else "/". Scheme-relative URLs ("//evil.example"), backslashes (which
// browsers read as slashes), absolute URLs and control characters are all
// refused.
func SafeNext(next string) string {
	if next == "" || len(next) > 1024 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// safeToken keeps an error code from the provider printable and short.
func safeToken(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// limitTransport fails any response body longer than maxResponseBytes, so
// a provider (or whoever answers in its name) cannot exhaust memory through
// discovery, keys, token or userinfo responses.
type limitTransport struct{ next http.RoundTripper }

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > maxResponseBytes {
		resp.Body.Close()
		return nil, errResponseTooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more than allowed tells "too large" from "exactly the
		// limit".
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
