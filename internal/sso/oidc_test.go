package sso

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"kipass/internal/errs"
)

func TestSignInCreatesAccountWithRoleAndDepartment(t *testing.T) {
	k, p := newKipassSide(t, "hr=kipass-hr,admin=kipass-admins", nil)
	hr := person("u-hr", "Hanna", "Roth", "Hanna.Roth@example.com", true)
	hr.Department, hr.Groups = ptr("Personal"), []string{"staff", "kipass-hr"}
	p.addUser(hr)
	emp := person("u-emp", "Emil", "Maier", "emil@example.com", true)
	emp.Department = ptr("Vertrieb")
	p.addUser(emp)

	o := k.signIn(browser(t), "u-hr", "/courses/ki-am-arbeitsplatz?lang=de")
	if o.Status != 200 || o.Action != Create {
		t.Fatalf("HR sign-in: %+v", o)
	}
	want := Account{ID: 1, Email: "hanna.roth@example.com", Name: "Hanna Roth", Department: "Personal", Role: RoleHR, Active: true, Issuer: p.URL, Subject: "u-hr"}
	if o.Account != want {
		t.Errorf("account\n got %+v\nwant %+v", o.Account, want)
	}
	if o.Next != "/courses/ki-am-arbeitsplatz?lang=de" {
		t.Errorf("next = %q", o.Next)
	}

	o = k.signIn(browser(t), "u-emp", "https://evil.example/phish")
	if o.Status != 200 || o.Account.Role != RoleEmployee || o.Account.Department != "Vertrieb" || o.Next != "/" {
		t.Fatalf("employee sign-in: %+v", o)
	}

	// Moved to the admin group and another department at the provider:
	// the next sign-in updates the same account.
	p.set(func(p *testProvider) {
		p.users["u-hr"].Groups = []string{"kipass-admins"}
		p.users["u-hr"].Department = ptr("IT")
	})
	o = k.signIn(browser(t), "u-hr", "")
	if o.Status != 200 || o.Action != Update || o.Account.ID != 1 || o.Account.Role != RoleAdmin || o.Account.Department != "IT" {
		t.Fatalf("second sign-in: %+v", o)
	}
	if strings.Join(o.Changed, ",") != "department,role" {
		t.Errorf("changed = %v", o.Changed)
	}
}

func TestSignInClaimsInIDTokenOrUserinfo(t *testing.T) {
	// Custom claim names and a nested path for groups (Keycloak's realm
	// roles); first everything in the ID token (no userinfo call), then
	// name and email only in userinfo.
	k, p := newKipassSide(t, "hr=kipass-hr", func(f *Flags) {
		f.Claims.Department = "dept"
		f.Claims.Groups = "realm_access.roles"
	})
	p.set(func(p *testProvider) { p.departmentName, p.claimsInToken = "dept", true })
	u := person("u1", "Ada", "Lovelace", "ada@example.com", true)
	u.Department = ptr("Forschung")
	u.Extra = map[string]any{"realm_access": map[string]any{"roles": []string{"offline_access", "kipass-hr"}}}
	p.addUser(u)
	o := k.signIn(browser(t), "u1", "")
	if o.Status != 200 || o.Account.Department != "Forschung" || o.Account.Name != "Ada Lovelace" || o.Account.Role != RoleHR {
		t.Fatalf("claims in the ID token: %+v", o)
	}
	if k.last.IDToken == "" {
		t.Fatal("no raw ID token kept for the logout hint")
	}

	p.set(func(p *testProvider) {
		p.claimsInToken = false
		p.users["u1"].FirstName = "Augusta Ada"
	})
	o = k.signIn(browser(t), "u1", "")
	if o.Status != 200 || o.Action != Update || o.Account.Email != "ada@example.com" || o.Account.Name != "Augusta Ada Lovelace" {
		t.Fatalf("claims from userinfo: %+v", o)
	}
}

func TestSignInLinksVerifiedEmailOnly(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	imported := k.addAccount(Account{Email: "carla@example.com", Name: "Carla Import", Department: "Einkauf", Role: RoleHR, Active: true})
	p.addUser(person("u-unverified", "Carla", "Fake", "carla@example.com", false))
	p.addUser(person("u-carla", "Carla", "Berg", "Carla@example.com", true))

	o := k.signIn(browser(t), "u-unverified", "")
	if o.Status != 403 || o.Error.Code != CodeEmailUnverified {
		t.Fatalf("unverified email: %+v", o)
	}
	if *imported != (Account{ID: imported.ID, Email: "carla@example.com", Name: "Carla Import", Department: "Einkauf", Role: RoleHR, Active: true}) {
		t.Fatalf("account changed by a refused sign-in: %+v", imported)
	}

	o = k.signIn(browser(t), "u-carla", "")
	if o.Status != 200 || o.Action != Link || o.Account.ID != imported.ID || o.Account.Subject != "u-carla" || o.Account.Role != RoleHR || o.Account.Name != "Carla Berg" {
		t.Fatalf("verified email links: %+v", o)
	}

	// Now bound: another identity with the same verified email is refused.
	p.addUser(person("u-mallory", "Mallory", "X", "carla@example.com", true))
	o = k.signIn(browser(t), "u-mallory", "")
	if o.Status != 403 || o.Error.Code != CodeSubjectMismatch {
		t.Fatalf("takeover: %+v", o)
	}

	imported.Active = false
	o = k.signIn(browser(t), "u-carla", "")
	if o.Status != 403 || o.Error.Code != CodeDeactivated {
		t.Fatalf("deactivated: %+v", o)
	}
}

func TestSignInRefusesForeignKeyWrongAudienceAndNonce(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Ida", "Test", "ida@example.com", true))
	foreign := newKey(t)
	tests := []struct {
		name   string
		tamper func(p *testProvider)
		code   string
	}{
		{"signed by a foreign key", func(p *testProvider) { p.signWith = foreign }, CodeIDTokenInvalid},
		{"foreign key under the published key id", func(p *testProvider) { p.signWith = &tpKey{id: p.active.id, key: foreign.key} }, CodeIDTokenInvalid},
		{"several audiences, azp is kipass", func(p *testProvider) { p.audience = []string{"another-app", testClientID} }, ""},
		{"missing nonce", func(p *testProvider) { p.nonce = ptr("") }, CodeNonceMismatch},
		{"wrong nonce", func(p *testProvider) { p.nonce = ptr("replayed-nonce") }, CodeNonceMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.set(tt.tamper)
			defer p.set(func(p *testProvider) { p.signWith, p.audience, p.nonce = nil, nil, nil })
			o := k.signIn(browser(t), "u1", "")
			if tt.code == "" {
				// zitadel sets azp to the client, so several audiences
				// with azp=kipass are accepted.
				if o.Status != 200 {
					t.Fatalf("%+v", o)
				}
				return
			}
			if o.Status != 403 || o.Error.Code != tt.code {
				t.Fatalf("got %+v, want 403 %s", o, tt.code)
			}
		})
	}
	// Untampered, the same user signs in.
	if o := k.signIn(browser(t), "u1", ""); o.Status != 200 {
		t.Fatalf("after the tampering: %+v", o)
	}
}

// TestSignInRefusesTokenForAnotherClient has the provider issue the ID
// token to another application (aud=other-app) and hands it to kipass's
// verifier: a token stolen from another app must not sign anyone in.
func TestSignInRefusesTokenForAnotherClient(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Ida", "Test", "ida@example.com", true))
	cfg := k.cfg
	cfg.ClientID, cfg.ClientSecret = otherClientID, otherClientSecret
	var log strings.Builder
	other, err := NewRP(cfg, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	d, err := other.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Authorization and exchange as other-app, verification as kipass.
	d.verifier = d.provider.Verifier(&oidc.Config{ClientID: testClientID})
	k.rp = other
	o := k.signIn(browser(t), "u1", "")
	if o.Status != 403 || o.Error.Code != CodeIDTokenInvalid {
		t.Fatalf("token for another client: %+v", o)
	}
	if !strings.Contains(log.String(), "expected audience") {
		t.Errorf("refused for another reason: %s", log.String())
	}
}

func TestReplayedStateAndLoginCSRF(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Rita", "Replay", "rita@example.com", true))
	c := browser(t)
	o := k.signIn(c, "u1", "")
	if o.Status != 200 {
		t.Fatal(o)
	}
	callback := o.URL.String()

	// The same callback again in the same browser: the transaction was taken.
	resp, err := c.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	if o := readOutcome(t, resp); o.Status != 400 || o.Error.Code != CodeLoginExpired {
		t.Fatalf("replayed callback: %+v", o)
	}
	// A web layer that forgot to delete the transaction is still safe:
	// the provider refuses the used code.
	k.mu.Lock()
	tx, q := k.lastTx, k.lastQuery
	k.mu.Unlock()
	if _, err := k.rp.Finish(context.Background(), tx, q); errs.As(err) == nil || errs.As(err).Code != CodeCodeRejected {
		t.Fatalf("a used code: %v", err)
	}

	// An attacker's callback URL opened in the victim's browser: no
	// transaction for that browser (login CSRF).
	attacker := browser(t)
	page, err := attacker.Get(k.srv.URL + LoginPath)
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	noFollow := &http.Client{CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == CallbackPath {
			return http.ErrUseLastResponse
		}
		return nil
	}, Jar: attacker.Jar}
	resp = loginAtProvider(t, noFollow, page, "u1", "verysecure")
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.Contains(loc, CallbackPath) {
		t.Fatalf("no redirect to the callback: %d %s", resp.StatusCode, loc)
	}
	resp, err = browser(t).Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	if o := readOutcome(t, resp); o.Status != 400 || o.Error.Code != CodeLoginExpired {
		t.Fatalf("callback in another browser: %+v", o)
	}
}

func TestFinishChecksTransaction(t *testing.T) {
	k, _ := newKipassSide(t, "", nil)
	now := time.Now()
	tx := LoginTransaction{ID: "id", State: "state-1", Nonce: "n", Verifier: "v", CreatedAt: now}
	tests := []struct {
		name string
		tx   LoginTransaction
		q    url.Values
		code string
	}{
		{"expired", LoginTransaction{State: "state-1", CreatedAt: now.Add(-TransactionTTL - time.Second)}, url.Values{"state": {"state-1"}, "code": {"c"}}, CodeLoginExpired},
		{"no transaction", LoginTransaction{}, url.Values{"state": {""}, "code": {"c"}}, CodeLoginExpired},
		{"other state", tx, url.Values{"state": {"state-2"}, "code": {"c"}}, CodeStateMismatch},
		{"no state", tx, url.Values{"code": {"c"}}, CodeStateMismatch},
		{"provider says no", tx, url.Values{"state": {"state-1"}, "error": {"access_denied<script>"}}, CodeProviderError},
		{"no code", tx, url.Values{"state": {"state-1"}}, CodeCodeRejected},
		{"made-up code", tx, url.Values{"state": {"state-1"}, "code": {"forged"}}, CodeCodeRejected},
	}
	for _, tt := range tests {
		_, err := k.rp.Finish(context.Background(), tt.tx, tt.q)
		if e := errs.As(err); e == nil || e.Code != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		} else if strings.Contains(e.Message, "<script>") {
			t.Errorf("%s: provider text echoed: %s", tt.name, e.Message)
		}
	}
}

func TestHugeIDTokenAndBadClaims(t *testing.T) {
	k, p := newKipassSide(t, "hr=hr", nil)
	big := person("u-big", "Bea", "Big", "bea@example.com", true)
	for i := 0; i < 2000; i++ {
		big.Groups = append(big.Groups, strings.Repeat("g", 40))
	}
	p.addUser(big)
	o := k.signIn(browser(t), "u-big", "")
	if o.Status != 403 || o.Error.Code != CodeIDTokenTooLarge {
		t.Fatalf("huge ID token: %+v", o)
	}

	odd := person("u-odd", "Otto", "Odd", "otto@example.com", true)
	odd.Department = ptr("Lager")
	odd.Extra = map[string]any{"unknown_claim": map[string]any{"deep": []any{1, "x", nil}}, "x-tenant": 42, "email_verified_2": "maybe"}
	p.addUser(odd)
	o = k.signIn(browser(t), "u-odd", "")
	if o.Status != 200 || o.Account.Department != "Lager" {
		t.Fatalf("unknown claims must be ignored: %+v", o)
	}
	k2, p2 := newKipassSide(t, "", func(f *Flags) { f.Claims.Groups = "email_verified" })
	p2.addUser(person("u2", "Gina", "Groups", "gina@example.com", true))
	o = k2.signIn(browser(t), "u2", "")
	if o.Status != 400 || o.Error.Code != CodeClaimsInvalid || !strings.Contains(o.Error.Message, "email_verified") {
		t.Fatalf("groups claim of the wrong type: %+v", o)
	}
}

func TestProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	var f Flags
	f = Flags{Issuer: issuer, ClientID: "kipass", ClientSecretFile: secretFile(t, "s"), ProviderName: "Acme SSO", PasswordLogin: true}
	cfg, err := f.Config("http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rp, err := NewRP(cfg, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = rp.Begin(context.Background(), "/")
	e := errs.As(err)
	if e == nil || e.Code != CodeProviderUnavailable || e.Kind != errs.Unavailable || !strings.Contains(e.Message, "Acme SSO") {
		t.Fatalf("provider down: %v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("the log detail should say why: %v", err)
	}
	// Within the retry pause the answer comes at once, without a dial.
	start := time.Now()
	if _, _, err := rp.Begin(context.Background(), "/"); errs.As(err) == nil || time.Since(start) > 50*time.Millisecond {
		t.Errorf("second attempt: %v after %v", err, time.Since(start))
	}
	if u, err := rp.LogoutURL(context.Background(), "", ""); u != "" || errs.As(err) == nil {
		t.Errorf("logout URL with the provider down: %q, %v", u, err)
	}
	// Password login is a different path; single sign-on being down does
	// not change what PasswordAllowed says.
	if !cfg.PasswordAllowed("anyone@example.com", RoleEmployee) {
		t.Error("password login must keep working")
	}
}

func TestIssuerMismatchIsExplained(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	// The same provider under another name for its address.
	alias := strings.Replace(p.URL, "127.0.0.1", "localhost", 1)
	f := Flags{Issuer: alias, ClientID: testClientID, ClientSecretFile: secretFile(t, "s"), PasswordLogin: true}
	cfg, err := f.Config(k.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := NewRP(cfg, Options{})
	err = rp.Discover(context.Background())
	if errs.As(err) == nil || !strings.Contains(err.Error(), "set --oidc-issuer to exactly that") || !strings.Contains(err.Error(), p.URL) {
		t.Fatalf("issuer mismatch: %v", err)
	}
}

func TestKeyRotationRefetchesKeysOnce(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Kai", "Key", "kai@example.com", true))
	for i := 0; i < 3; i++ {
		if o := k.signIn(browser(t), "u1", ""); o.Status != 200 {
			t.Fatal(o)
		}
	}
	if n := p.keys.Load(); n != 1 {
		t.Errorf("keys fetched %d times for 3 sign-ins, want 1 (cached)", n)
	}
	p.rotate(t)
	for i := 0; i < 2; i++ {
		if o := k.signIn(browser(t), "u1", ""); o.Status != 200 {
			t.Fatalf("after rotation: %+v", o)
		}
	}
	if n := p.keys.Load(); n != 2 {
		t.Errorf("keys fetched %d times, want 2 (once more for the new key id)", n)
	}
}

func TestLogoutAtProvider(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Lea", "Logout", "lea@example.com", true))
	c := browser(t)
	if o := k.signIn(c, "u1", ""); o.Status != 200 {
		t.Fatal(o)
	}
	u, err := k.rp.LogoutURL(context.Background(), k.last.IDToken, k.srv.URL+"/logged-out")
	if err != nil || !strings.HasPrefix(u, p.URL+"/") {
		t.Fatalf("logout URL %q, %v", u, err)
	}
	lu, _ := url.Parse(u)
	if lu.Query().Get("client_id") != testClientID || lu.Query().Get("id_token_hint") == "" {
		t.Errorf("logout URL lacks client_id or hint: %s", u)
	}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/logged-out" || string(body) != "logged out of kipass" {
		t.Fatalf("after logout at the provider: %s %q", resp.Request.URL, body)
	}
	p.mu.Lock()
	terminated := strings.Join(p.terminated, ",")
	p.mu.Unlock()
	if terminated != "u1" {
		t.Errorf("provider ended sessions of %q, want u1", terminated)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/courses/x?lang=en#top":        "/courses/x?lang=en#top",
		"/me":                           "/me",
		"//evil.example":                "/",
		"/\\evil.example":               "/",
		"\\\\evil.example":              "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"courses":                       "/",
		"/%0d%0aSet-Cookie:x":           "/%0d%0aSet-Cookie:x", // stays encoded: a path, not a header
		"/a\r\nSet-Cookie: x=1":         "/",
		"/\t/evil.example":              "/",
		"/" + strings.Repeat("a", 1100): "/",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "https://x", "/a?b#c", "/%2f%2fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeNext(s)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("SafeNext(%q) = %q leaves the site", s, got)
		}
	})
}

func TestSignInRefusesExpiredToken(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Eva", "Expired", "eva@example.com", true))
	// kipass's clock is two hours ahead: the provider's one-hour ID token
	// has expired by the time kipass checks it.
	var log strings.Builder
	rp, err := NewRP(k.cfg, Options{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	k.rp = rp
	o := k.signIn(browser(t), "u1", "")
	if o.Status != 403 || o.Error.Code != CodeIDTokenInvalid || !strings.Contains(log.String(), "expired") {
		t.Fatalf("expired token: %+v; log %s", o, log.String())
	}
}

// TestSignInRefusesTokenFromAnotherIssuer has a second provider, which
// holds the first one's signing key, issue the token: the signature checks
// out against the first provider's keys, the issuer does not.
func TestSignInRefusesTokenFromAnotherIssuer(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Ian", "Issuer", "ian@example.com", true))
	other := startProvider(t, k.cfg.RedirectURL, "")
	other.set(func(o *testProvider) { o.active, o.published = p.active, p.published })
	other.addUser(person("u1", "Ian", "Issuer", "ian@example.com", true))
	var log strings.Builder
	rp, _ := NewRP(k.cfg, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	d, err := rp.discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d.oauth.Endpoint.AuthURL, d.oauth.Endpoint.TokenURL = other.URL+"/auth", other.URL+"/oauth/token"
	k.rp = rp
	o := k.signIn(browser(t), "u1", "")
	if o.Status != 403 || o.Error.Code != CodeIDTokenInvalid || !strings.Contains(log.String(), "different provider") {
		t.Fatalf("token from another issuer: %+v; log %s", o, log.String())
	}
}

func TestOversizedProviderResponses(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	u := person("u-blob", "Bo", "Blob", "bo@example.com", true)
	u.UserinfoExtra = map[string]any{"blob": strings.Repeat("x", 2<<20)}
	p.addUser(u)
	o := k.signIn(browser(t), "u-blob", "")
	if o.Status != 403 || o.Error.Code != CodeResponseTooLarge {
		t.Fatalf("2 MiB userinfo: %+v", o)
	}

	// A discovery document of 2 MiB, streamed without Content-Length.
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"issuer":"x","pad":"`)
		for i := 0; i < 2<<10; i++ {
			io.WriteString(w, strings.Repeat("y", 1<<10))
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, `"}`)
	}))
	defer huge.Close()
	f := Flags{Issuer: huge.URL, ClientID: "kipass", ClientSecretFile: secretFile(t, "s"), PasswordLogin: true}
	cfg, err := f.Config("http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := NewRP(cfg, Options{})
	err = rp.Discover(context.Background())
	if errs.As(err) == nil || errs.As(err).Code != CodeProviderUnavailable || !errors.Is(err, errResponseTooLarge) && !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("huge discovery: %v", err)
	}
}

func FuzzIdentityClaims(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b.c","email_verified":"true","name":"A","department":["X","Y"],"groups":"g"}`,
		`{"email":1,"groups":[1,2]}`,
		`{"realm_access":{"roles":["hr"]},"_claim_names":{"groups":"src1"}}`,
		`{"email_verified":"maybe"}`,
	} {
		f.Add(s)
	}
	rp := &RP{cfg: Config{Issuer: iss, Claims: ClaimNames{Email: "email", EmailVerified: "email_verified", Name: "name",
		Department: "department", Groups: "realm_access.roles"}, Roles: RoleMap{HR: []string{"hr"}}}}
	f.Fuzz(func(t *testing.T, s string) {
		var c claimSet
		if json.Unmarshal([]byte(s), &c.m) != nil {
			return
		}
		id, err := rp.identity("sub", c)
		if err != nil {
			if errs.As(err) == nil {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if id.Subject != "sub" || id.Email != normalizeEmail(id.Email) {
			t.Fatalf("identity %+v", id)
		}
		for _, g := range id.Groups {
			if len(g) > maxGroupName {
				t.Fatalf("group of %d bytes kept", len(g))
			}
		}
		// Whatever the claims, the decision refuses with a code or decides.
		if _, err := rp.cfg.Decide(id, Known{}); err != nil && errs.As(err) == nil {
			t.Fatalf("decision error without a code: %v", err)
		}
	})
}

func FuzzParseRoles(f *testing.F) {
	for _, s := range []string{"hr=a,admin=b", "hr", "=,=", "admin=a=b, hr = c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseRoles(s)
		if err != nil {
			return
		}
		again, err := ParseRoles(m.String())
		if err != nil || again.Role(m.HR) != m.Role(m.HR) || again.Role(m.Admin) != m.Role(m.Admin) {
			t.Fatalf("%q -> %q does not parse back the same: %v", s, m.String(), err)
		}
	})
}

func TestPKCE(t *testing.T) {
	k, p := newKipassSide(t, "", nil)
	p.addUser(person("u1", "Pia", "Pkce", "pia@example.com", true))
	tx, redirect, err := k.rp.Begin(context.Background(), "/me")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(redirect)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") != tx.State || q.Get("nonce") != tx.Nonce ||
		strings.Contains(redirect, tx.Verifier) || q.Get("redirect_uri") != k.srv.URL+CallbackPath {
		t.Fatalf("authorization URL %s for %+v", redirect, tx)
	}
	if len(tx.State) < 43 || len(tx.Nonce) < 43 || tx.Next != "/me" {
		t.Errorf("weak or wrong transaction: %+v", tx)
	}
	// A stolen code is useless without the verifier.
	tx, cb := authorize(t, k, "u1")
	tx.Verifier = "a-verifier-that-is-long-enough-but-not-the-one-hashed-in-the-challenge"
	if _, err := k.rp.Finish(context.Background(), tx, cb); errs.As(err) == nil || errs.As(err).Code != CodeCodeRejected {
		t.Fatalf("wrong verifier: %v", err)
	}
}

// TestSignInHostedDomainClaim: the provider's "hd" claim reaches the
// decision; with --oidc-allowed-domains a foreign hosted domain or email
// domain is refused through the whole flow.
func TestSignInHostedDomainClaim(t *testing.T) {
	k, p := newKipassSide(t, "", func(f *Flags) { f.AllowedDomains = "example.com" })
	staff := person("u-staff", "Sara", "Staff", "sara@example.com", true)
	staff.Extra = map[string]any{"hd": "example.com"}
	p.addUser(staff)
	foreign := person("u-foreign", "Fritz", "Fremd", "fritz@example.com", true)
	foreign.Extra = map[string]any{"hd": "other.test"}
	p.addUser(foreign)
	p.addUser(person("u-private", "Paul", "Privat", "paul@private.test", true))

	if o := k.signIn(browser(t), "u-staff", ""); o.Status != 200 || o.Action != Create {
		t.Fatalf("staff: %+v", o)
	}
	for _, sub := range []string{"u-foreign", "u-private"} {
		if o := k.signIn(browser(t), sub, ""); o.Status != 403 || o.Error.Code != CodeDomainRefused {
			t.Errorf("%s: %+v", sub, o)
		}
	}
}
