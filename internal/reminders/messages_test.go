package reminders

import (
	"strings"
	"testing"
	"time"

	"kipass/internal/i18n"
)

// catalog is the message catalog the emails are written from.
func catalog(tb testing.TB) *i18n.Catalog {
	tb.Helper()
	c, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestTextsFromTheCatalog: the reminders' words are the catalog's mail.*
// messages in the person's language, the subject of several courses in
// its plural form and the due dates as i18n.Printer writes them.
func TestTextsFromTheCatalog(t *testing.T) {
	msgs := catalog(t)
	now := testNow()
	for _, lang := range []string{"de", "en"} {
		p := msgs.Printer(lang, now.Location())
		a, b := person(1, "a", now.Add(24*time.Hour)), person(1, "b", now.Add(48*time.Hour))
		a.Lang, b.Lang = lang, lang
		m := Build(msgs, []Person{a, b}, now, base).Reminders[0].Message
		if want := msgs.T(lang, "mail.reminder.subject_many", 2); m.Subject != want || strings.Contains(want, "??") {
			t.Errorf("%s: subject %q, want %q", lang, m.Subject, want)
		}
		for _, want := range []string{p.T("mail.hello_name", a.Name), p.T("mail.reminder.line_due_soon", a.CourseTitle, p.Date(a.DueAt)),
			p.T("mail.reminder.encourage"), p.T("mail.automatic")} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: body lacks %q:\n%s", lang, want, m.Body)
			}
		}
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"de", 1, "Erinnerung: 1 offene Schulung"}, {"de", 3, "Erinnerung: 3 offene Schulungen"},
		{"en", 1, "Reminder: 1 training to complete"}, {"en", 3, "Reminder: 3 trainings to complete"},
	} {
		if got := msgs.T(tc.lang, "mail.reminder.subject_many", tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
