package sso

// A real OpenID provider for the tests: zitadel/oidc's certified op package
// with its example in-memory storage, wrapped so that a test can add users
// with department and group claims, rotate or swap the signing key, and
// tamper with what goes into the ID token (audience, nonce).

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	testClientID      = "kipass"
	testClientSecret  = "kipass-secret"
	otherClientID     = "other-app"
	otherClientSecret = "other-secret"
)

type tpUser struct {
	storage.User
	Department *string
	Groups     []string
	Extra      map[string]any // more claims, as they are
	// UserinfoExtra are claims that only the userinfo endpoint sends.
	UserinfoExtra map[string]any
}

// testProvider is the OpenID provider. Its knobs are read under mu.
type testProvider struct {
	*storage.Storage
	URL  string
	srv  *httptest.Server
	keys atomic.Int64 // requests to the JWKS endpoint

	mu             sync.Mutex
	users          map[string]*tpUser // by id
	active         *tpKey
	published      []*tpKey
	signWith       *tpKey   // when set, tokens are signed with it (a foreign key)
	audience       []string // when set, replaces the ID token's audience
	nonce          *string  // when set, replaces the nonce
	claimsInToken  bool     // email and profile claims in the ID token too (else only userinfo)
	postLogout     string
	terminated     []string
	departmentName string
	groupsName     string
}

type tpKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *tpKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *tpKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k *tpKey) Use() string                                 { return "sig" }
func (k *tpKey) ID() string                                  { return k.id }
func (k *tpKey) Key() any                                    { return k.key }

type tpPublic struct{ *tpKey }

func (k tpPublic) Key() any { return &k.key.PublicKey }

func newKey(t testing.TB) *tpKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &tpKey{id: rand.Text(), key: k}
}

// startProvider starts the provider on a free loopback port; redirectURI
// is the kipass callback registered for the client.
func startProvider(t testing.TB, redirectURI, postLogout string) *testProvider {
	t.Helper()
	p := &testProvider{users: map[string]*tpUser{}, postLogout: postLogout, departmentName: "department", groupsName: "groups"}
	p.active = newKey(t)
	p.published = []*tpKey{p.active}
	// A second client, another application at the same provider, for
	// tokens issued to someone else.
	clients := map[string]*storage.Client{testClientID: storage.WebClient(testClientID, testClientSecret, redirectURI),
		otherClientID: storage.WebClient(otherClientID, otherClientSecret, redirectURI)}
	p.Storage = storage.NewStorageWithClients(tpUsers{p}, clients)
	p.srv = httptest.NewUnstartedServer(nil)
	p.URL = "http://" + p.srv.Listener.Addr().String()
	router := exampleop.SetupServer(p.URL, p, nil, false)
	p.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			p.keys.Add(1)
		}
		router.ServeHTTP(w, r)
	})
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testProvider) addUser(u tpUser) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u.Password == "" {
		u.Password = "verysecure"
	}
	p.users[u.ID] = &u
}

func (p *testProvider) set(f func(p *testProvider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// rotate publishes a new key and signs with it from now on; the old key
// stays published, as providers do during a rotation.
func (p *testProvider) rotate(t testing.TB) {
	k := newKey(t)
	p.set(func(p *testProvider) { p.active, p.published = k, append(p.published, k) })
}

type tpUsers struct{ p *testProvider }

func (s tpUsers) GetUserByID(id string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if u, ok := s.p.users[id]; ok {
		c := u.User
		return &c
	}
	return nil
}

func (s tpUsers) GetUserByUsername(name string) *storage.User {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	for _, u := range s.p.users {
		if u.Username == name {
			c := u.User
			return &c
		}
	}
	return nil
}

func (s tpUsers) ExampleClientID() string { return "service" }

func (p *testProvider) SigningKey(context.Context) (op.SigningKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.signWith != nil {
		return p.signWith, nil
	}
	return p.active, nil
}

func (p *testProvider) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (p *testProvider) KeySet(context.Context) ([]op.Key, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keys []op.Key
	for _, k := range p.published {
		keys = append(keys, tpPublic{k})
	}
	return keys, nil
}

type tpClient struct {
	op.Client
	p *testProvider
}

func (c tpClient) IDTokenUserinfoClaimsAssertion() bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.claimsInToken
}

func (c tpClient) PostLogoutRedirectURIs() []string { return []string{c.p.postLogout} }

func (p *testProvider) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := p.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return tpClient{c, p}, nil
}

// tamperedRequest changes what the provider puts into the ID token.
type tamperedRequest struct {
	op.AuthRequest
	audience []string
	nonce    *string
}

func (r tamperedRequest) GetAudience() []string {
	if r.audience != nil {
		return r.audience
	}
	return r.AuthRequest.GetAudience()
}

func (r tamperedRequest) GetNonce() string {
	if r.nonce != nil {
		return *r.nonce
	}
	return r.AuthRequest.GetNonce()
}

func (p *testProvider) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := p.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return tamperedRequest{AuthRequest: r, audience: p.audience, nonce: p.nonce}, nil
}

// extraClaims adds department and groups, as a directory would.
func (p *testProvider) extraClaims(info *oidc.UserInfo, sub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.users[sub]
	if u == nil {
		return
	}
	if u.Department != nil {
		info.AppendClaims(p.departmentName, *u.Department)
	}
	if u.Groups != nil {
		info.AppendClaims(p.groupsName, u.Groups)
	}
	for k, v := range u.Extra {
		info.AppendClaims(k, v)
	}
}

func (p *testProvider) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := p.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	p.extraClaims(info, req.GetSubject())
	return nil
}

func (p *testProvider) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := p.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	p.extraClaims(info, info.Subject)
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.users[info.Subject]; u != nil {
		for k, v := range u.UserinfoExtra {
			info.AppendClaims(k, v)
		}
	}
	return nil
}

func (p *testProvider) TerminateSession(ctx context.Context, userID, clientID string) error {
	p.mu.Lock()
	p.terminated = append(p.terminated, userID)
	p.mu.Unlock()
	return p.Storage.TerminateSession(ctx, userID, clientID)
}

// loginAtProvider fills the provider's login form on the page the browser
// was sent to and returns the response after all redirects.
func loginAtProvider(t testing.TB, c *http.Client, page *http.Response, username, password string) *http.Response {
	t.Helper()
	id := page.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("not at the provider's login page: %s (status %d)", page.Request.URL, page.StatusCode)
	}
	form := strings.NewReader("id=" + id + "&username=" + username + "&password=" + password)
	u := *page.Request.URL
	u.RawQuery = ""
	resp, err := c.Post(u.String(), "application/x-www-form-urlencoded", form)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestMain silences the example provider's request log, which goes to the
// default logger.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
