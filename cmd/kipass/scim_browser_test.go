package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSCIMProvisioning: the first admin creates a SCIM token on
// /admin/scim, an identity system provisions and deprovisions a person
// with it, and the admin sees each change on /admin and in the audit log.
func TestBrowserSCIMProvisioning(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir(), "--scim-department-prefix", "dept-")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.setup+"&lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 1"),
		chromedp.SendKeys(chromedp.CSS(`#f-org_name`), "Muster GmbH"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
		chromedp.Navigate(s.url+"/admin"),
		chromedp.Click(chromedp.CSS(`nav.tabs a[href="/admin/scim"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scim-url`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Entra ID"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/scim/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#scim-new-token code.token`)),
	))
	token := text(ctx, t, "#scim-new-token code.token")
	scimURL := text(ctx, t, "#scim-url")
	if scimURL != s.url+"/scim/v2" || len(token) < 32 {
		t.Fatalf("SCIM URL %q, token %q", scimURL, token)
	}
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		r, _ := http.NewRequest(method, scimURL+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", "application/scim+json")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return res.StatusCode, m
	}
	st, u := call("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"lena.lernt@example.com","displayName":"Lena Lernt","active":true}`)
	id, _ := u["id"].(string)
	if st != 201 || id == "" {
		t.Fatalf("create: %d %v", st, u)
	}
	if st, _ := call("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"dept-Einkauf","members":[{"value":"`+id+`"}]}`); st != 201 {
		t.Fatalf("group: %d", st)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/admin"), chromedp.WaitVisible(chromedp.CSS(`main`))))
	if got := text(ctx, t, "main"); !strings.Contains(got, "Lena Lernt") || !strings.Contains(got, "Einkauf") {
		t.Fatalf("/admin after provisioning: %q", got)
	}
	if st, _ := call("DELETE", "/Users/"+id, ""); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS(`main table`))))
	audit := text(ctx, t, "main table")
	for _, want := range []string{"SCIM token created", "Account created", "SCIM group created", "SCIM token 1 (groups) · department “—” → “Einkauf”", "Account deleted through SCIM", "SCIM"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q:\n%s", want, audit)
		}
	}
	checkLogClean(t, s.stderr.String(), "lena.lernt@example.com", "Lena", token)
}
