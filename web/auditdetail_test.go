package web

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// Every detail the store and the use cases write reads as plain words in
// both languages; what the translator does not know stays as stored.
func TestAuditDetailsInPlainWords(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	v.zone = func() *time.Location { return time.UTC }
	v.courseTitle = func(id, lang string) string {
		if id == "ki-am-arbeitsplatz" {
			return map[string]string{"de": "KI am Arbeitsplatz", "en": "AI in the workplace"}[lang]
		}
		return ""
	}
	for _, tc := range []struct{ detail, de, en string }{
		{`id=1 course="ki-am-arbeitsplatz" scope=user due=2027-01-31`,
			"Nr.: 1 · Kurs: KI am Arbeitsplatz · für: eine Person · fällig am: 31.01.2027",
			"no.: 1 · course: AI in the workplace · for: one person · due: 31 January 2027"},
		{`department=all course="ki-am-arbeitsplatz" status="in_progress" q="Ru" format=xlsx rows=3`,
			"Abteilung: alle · Kurs: KI am Arbeitsplatz · Status: In Bearbeitung · Suche: Ru · Format: xlsx · Zeilen: 3",
			"department: all · course: AI in the workplace · status: In progress · search: Ru · format: xlsx · rows: 3"},
		{`role employee`, "Rolle: Beschäftigte(r)", "role: Employee"},
		{`single sign-on; role hr`, "Single Sign-on · Rolle: Personalabteilung", "single sign-on · role: HR"},
		{`single sign-on: role hr -> employee`, "Single Sign-on · Rolle Personalabteilung → Beschäftigte(r)", "single sign-on · role HR → Employee"},
		{`name changed; department "Vertrieb" -> ""; deactivated`, "Name geändert · Abteilung „Vertrieb“ → „—“ · deaktiviert",
			"name changed · department “Vertrieb” → “—” · deactivated"},
		{`scim token 3: email changed; reactivated`, "SCIM-Token 3 · E-Mail-Adresse geändert · wieder aktiviert", "SCIM token 3 · email address changed · reactivated"},
		{`scim token 3 groups: role employee -> hr`, "SCIM-Token 3 (Gruppen) · Rolle Beschäftigte(r) → Personalabteilung", "SCIM token 3 (groups) · role Employee → HR"},
		{`scim token 4: 1 members`, "SCIM-Token 4 · 1 Mitglied", "SCIM token 4 · 1 member"},
		{`scim token 4: 2 members before, 5 after`, "SCIM-Token 4 · Mitglieder: vorher 2, nachher 5", "SCIM token 4 · members: 2 before, 5 after"},
		{`hr limited to ["Vertrieb","Einkauf"]`, "sieht nur: Vertrieb, Einkauf", "sees only: Vertrieb, Einkauf"},
		{`deactivated for more than 12 months; certificates kept verifiable`, "länger als 12 Monate deaktiviert · Zertifikate bleiben prüfbar",
			"deactivated for more than 12 months · certificates stay verifiable"},
		{`by the holder; certificates revoked`, "von der Person selbst · Zertifikate widerrufen", "by the person themselves · certificates revoked"},
		{`answers_cleared=1 accounts_erased=0 audit_deleted=7`, "Antworten gelöscht: 1 · Konten gelöscht: 0 · Protokolleinträge gelöscht: 7",
			"answers deleted: 1 · accounts erased: 0 · log entries deleted: 7"},
		{`by=link`, "per: Link", "by: link"},
		{`kind=overdue courses=1`, "Art: überfällig · Kurse: 1", "kind: overdue · courses: 1"},
		{`token 7`, "Token 7", "token 7"},
		{`course="gone"`, "Kurs: gone", "course: gone"},
		{`fields=name,logo,time_zone`, "geändert: Name, Logo, Zeitzone", "changed: name, logo, time zone"},
		{`fields=none`, "geändert: nichts", "changed: nothing"},
		{`from="A" into="B" people=2`, "von: A · in: B · Personen: 2", "from: A · into: B · people: 2"},
		{`something new; "odd`, "something new · \"odd", "something new · \"odd"},
		{``, "", ""},
	} {
		for lang, want := range map[string]string{"de": tc.de, "en": tc.en} {
			if got := v.auditDetail(lang, tc.detail); got != want {
				t.Errorf("%s %q:\n got %q\nwant %q", lang, tc.detail, got, want)
			}
		}
	}
}

// The audit page shows the entries' details in words and the time in the
// organisation's zone.
func TestAuditPageInPlainWords(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", "admin")
	if r := admin.post("/admin/users", url.Values{"email": {"hr@example.com"}, "name": {"Hanna HR"}, "role": {"hr"}}); r.status >= 400 {
		t.Fatalf("create account: %d", r.status)
	}
	r := admin.get("/admin/audit?lang=de")
	if r.status != 200 || !strings.Contains(r.body, "Rolle: Personalabteilung") || strings.Contains(r.body, " UTC</td>") {
		t.Fatalf("audit page: %d %s", r.status, r.body)
	}
}
