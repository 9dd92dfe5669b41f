package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// A GET with ?lang= shows that page in the language but writes nothing;
// the navigation's language button (a POST) saves it on the account.
// (Before, every GET ?lang= of a logged-in person updated the account.)
func TestLanguageChoiceIsSavedByPOSTOnly(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	accountLang := func() string {
		u, err := a.db.UserByEmail(context.Background(), "erika@example.com")
		if err != nil {
			t.Fatal(err)
		}
		return u.Lang
	}
	if got := accountLang(); got != "de" {
		t.Fatalf("new account's language %q", got)
	}
	gen := a.db.Generation()
	r := b.get("/me?lang=en")
	if !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatal("?lang=en not shown in English")
	}
	if accountLang() != "de" || a.db.Generation() != gen {
		t.Fatal("GET ?lang= wrote to the database")
	}
	// The page offers the switch as a form, not a link that writes.
	if !strings.Contains(r.body, `action="/language"`) || !strings.Contains(r.body, `name="next" value="/me?lang=de"`) {
		t.Fatalf("no language form on the page:\n%s", r.body)
	}
	r = b.post("/language", url.Values{"next": {"/me?lang=en"}})
	if r.status != 303 || r.header.Get("Location") != "/me?lang=en" {
		t.Fatalf("language form: %d %s", r.status, r.header.Get("Location"))
	}
	if got := accountLang(); got != "en" {
		t.Fatalf("language not saved: %q", got)
	}
	if r := b.get("/me"); !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatal("the saved language is not used")
	}
	// Another site as next is refused.
	if r := b.post("/language", url.Values{"next": {"//evil.example/?lang=de"}}); r.header.Get("Location") != "/" {
		t.Fatalf("next to another site: %s", r.header.Get("Location"))
	}
}
