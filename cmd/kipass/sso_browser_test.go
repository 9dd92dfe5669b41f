package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kipass/internal/sso/ssotest"
)

// signInAtProvider clicks "Sign in with" on kipass's login page and fills
// the provider's own login form.
func signInAtProvider(ctx context.Context, t *testing.T, kipass, username string) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(kipass+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a.sso-button`)),
	))
	if got := text(ctx, t, "a.sso-button"); got != "Sign in with Test IdP" {
		t.Fatalf("sign-in button %q", got)
	}
	// The button comes before the password form.
	first, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(document.querySelector("a.sso-button").compareDocumentPosition(document.querySelector("form[action='/login']")) & Node.DOCUMENT_POSITION_FOLLOWING)`))
	must(t, err)
	if !first {
		t.Fatal("the sign-in button is not above the password form")
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.sso-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), username),
		chromedp.SendKeys(chromedp.CSS(`#password`), ssotest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
}

func TestBrowserSingleSignOn(t *testing.T) {
	ctx := browserContext(t)
	p := ssotest.Start(t)
	p.AddUser(ssotest.User{ID: "u-erika", Username: "erika", First: "Erika", Last: "Mustermann", Email: "erika@example.com", EmailVerified: true, Department: "Vertrieb"})
	p.AddUser(ssotest.User{ID: "u-hanna", Username: "hanna", First: "Hanna", Last: "Huber", Email: "hanna@example.com", EmailVerified: true,
		Department: "Personal", Groups: []string{"all-staff", "kipass-hr"}})
	s := startServer(t, nil, "--data", t.TempDir(), "--oidc-issuer", p.URL, "--oidc-client-id", ssotest.ClientID,
		"--oidc-client-secret-file", ssotest.SecretFile(t), "--oidc-provider-name", "Test IdP", "--oidc-roles", "hr=kipass-hr,admin=kipass-admins")
	p.SetRedirect(s.url+"/auth/oidc/callback", s.url+"/")

	// An employee: created at the first sign-in, department from the claim.
	signInAtProvider(ctx, t, s.url, "erika")
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Erika Mustermann") {
		t.Fatalf("home after sign-in: %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/me"), chromedp.WaitVisible(chromedp.CSS(`dl.facts`))))
	if got := text(ctx, t, "dl.facts"); !strings.Contains(got, "Vertrieb") || !strings.Contains(got, "erika@example.com") {
		t.Fatalf("me page: %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("nav a[href='/hr']").length`)); n != 0 {
		t.Fatal("an employee sees the HR link")
	}

	// Logout ends the kipass session, then the provider's, and comes back.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`))))
	{
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)))
		cancel()
		if err != nil {
			l, _ := chromedp.Run(ctx, chromedp.Location())
			b, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			t.Fatalf("logout stuck at %s:\n%s", l, b)
		}
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if loc != s.url+"/" {
		t.Fatalf("after logout at %q", loc)
	}
	if got := p.Terminated(); len(got) != 1 || got[0] != "u-erika" {
		t.Fatalf("provider ended the sessions of %v", got)
	}

	// HR through the group: the HR page opens.
	signInAtProvider(ctx, t, s.url, "hanna")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav a[href="/hr"]`)), chromedp.WaitVisible(chromedp.CSS(`main h1`))))
	loc, err = chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.HasSuffix(loc, "/hr") {
		t.Fatalf("HR link went to %q", loc)
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`))))

	checkLogClean(t, s.stderr.String(), "erika@example.com", "Mustermann", "hanna@example.com", "Huber")
}

// TestBrowserProviderDown: kipass cannot reach the provider (down, or a
// wrong issuer): a clear page, and the password login still works.
func TestBrowserProviderDown(t *testing.T) {
	ctx := browserContext(t)
	p := ssotest.Start(t)
	p.Stop()
	s := startServer(t, nil, "--data", t.TempDir(), "--oidc-issuer", p.URL, "--oidc-client-id", ssotest.ClientID,
		"--oidc-client-secret-file", ssotest.SecretFile(t), "--oidc-provider-name", "Test IdP")
	res, err := http.Post(s.url+"/api/v1/register", "application/json", strings.NewReader(`{"name":"Pia Passwort","email":"pia@example.com","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("register: %v %v", res, err)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a.sso-button`)),
		chromedp.Click(chromedp.CSS(`a.sso-button`)),
		chromedp.WaitVisible(chromedp.CSS(`.sso-error`)),
	))
	if got := text(ctx, t, ".sso-error"); !strings.Contains(got, "503") || !strings.Contains(got, "Sign-in with Test IdP is not available right now") {
		t.Fatalf("provider down page: %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.sso-password`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "pia@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Pia Passwort") {
		t.Fatalf("password login with the provider down: %q", got)
	}
	if !strings.Contains(s.stderr.String(), "oidc: discovery failed") {
		t.Fatalf("the log does not say why:\n%s", s.stderr.String())
	}
}
