// Package ssotest runs a real OpenID provider for tests outside package
// sso (the web layer's and the browser's): zitadel/oidc's certified op
// package with its example in-memory storage, extended with department
// and group claims per user. Only tests import it.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// The client kipass is registered as.
const (
	ClientID     = "kipass"
	ClientSecret = "kipass-secret"
	// Password is every user's password at the provider.
	Password = "verysecure"
)

// User is a person at the provider.
type User struct {
	ID, Username, First, Last, Email string
	EmailVerified                    bool
	Department                       string // "" sends no department claim
	Groups                           []string
}

// Provider is the running provider. Its URL is the issuer.
type Provider struct {
	*storage.Storage
	URL string
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string

	mu         sync.Mutex
	users      map[string]User
	redirect   []string
	postLogout []string
	terminated []string
}

// Start starts the provider on a free loopback port; all claims go into
// the ID token, as Entra ID and Keycloak send them. Set the redirect URIs
// with SetRedirect once kipass listens.
func Start(t testing.TB) *Provider {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{key: k, kid: rand.Text(), users: map[string]User{}}
	p.Storage = storage.NewStorageWithClients(users{p}, map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, "http://unset.invalid/")})
	p.srv = httptest.NewUnstartedServer(nil)
	p.URL = "http://" + p.srv.Listener.Addr().String()
	p.srv.Config.Handler = exampleop.SetupServer(p.URL, p, slog.New(slog.DiscardHandler), false)
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// Stop shuts the provider down (a provider that is down).
func (p *Provider) Stop() { p.srv.Close() }

// SecretFile writes the client secret to a file for --oidc-client-secret-file.
func SecretFile(t testing.TB) string {
	t.Helper()
	f := t.TempDir() + "/oidc-secret"
	if err := os.WriteFile(f, []byte(ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// SetRedirect registers kipass's callback and post-logout addresses.
func (p *Provider) SetRedirect(callback, postLogout string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirect, p.postLogout = []string{callback}, []string{postLogout}
}

// AddUser adds or replaces a person.
func (p *Provider) AddUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users[u.ID] = u
}

// Terminated lists the users whose provider session was ended through the
// end-session endpoint (RP-initiated logout).
func (p *Provider) Terminated() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.terminated...)
}

type users struct{ p *Provider }

func (s users) toStorage(u User) *storage.User {
	return &storage.User{ID: u.ID, Username: u.Username, Password: Password, FirstName: u.First, LastName: u.Last,
		Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.German}
}

func (s users) GetUserByID(id string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if u, ok := s.p.users[id]; ok {
		return s.toStorage(u)
	}
	return nil
}

func (s users) GetUserByUsername(name string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	for _, u := range s.p.users {
		if u.Username == name {
			return s.toStorage(u)
		}
	}
	return nil
}

func (s users) ExampleClientID() string { return "service" }

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// SigningKey signs with the provider's one key.
func (p *Provider) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{p.kid, p.key}, nil
}

// SignatureAlgorithms announces RS256.
func (p *Provider) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet publishes the public key.
func (p *Provider) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{p.kid, p.key}}}, nil
}

type client struct {
	op.Client
	p *Provider
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c client) RedirectURIs() []string {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.redirect
}

func (c client) PostLogoutRedirectURIs() []string {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.postLogout
}

// GetClientByClientID returns kipass's client with the redirect URIs set.
func (p *Provider) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := p.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{c, p}, nil
}

func (p *Provider) extraClaims(info *oidc.UserInfo, sub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[sub]
	if !ok {
		return
	}
	if u.Department != "" {
		info.AppendClaims("department", u.Department)
	}
	if u.Groups != nil {
		info.AppendClaims("groups", u.Groups)
	}
}

// SetUserinfoFromRequest adds department and groups, as a directory would.
func (p *Provider) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := p.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	p.extraClaims(info, req.GetSubject())
	return nil
}

// SetUserinfoFromToken adds department and groups to userinfo answers.
func (p *Provider) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := p.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	p.extraClaims(info, info.Subject)
	return nil
}

// TerminateSession records the logout at the provider.
func (p *Provider) TerminateSession(ctx context.Context, userID, clientID string) error {
	p.mu.Lock()
	p.terminated = append(p.terminated, userID)
	p.mu.Unlock()
	return p.Storage.TerminateSession(ctx, userID, clientID)
}

// Handler is the provider's HTTP handler (for tests that wrap it).
func (p *Provider) Handler() http.Handler { return p.srv.Config.Handler }
