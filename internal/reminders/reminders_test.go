package reminders

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"kipass/internal/mail"
)

const base = "https://kipass.example/"

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// now is a fixed Monday morning.
func testNow() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, berlin) }

func person(id int64, course string, due time.Time) Person {
	return Person{
		UserID: id, Name: "Erika Muster", Email: "erika@example.com", Lang: "de",
		CourseID: course, CourseTitle: "KI am Arbeitsplatz", DueAt: due,
	}
}

func TestSelectionRules(t *testing.T) {
	now := testNow()
	day := 24 * time.Hour
	cases := []struct {
		name string
		p    func(p *Person)
		want string // the reminder's kind; "": no reminder
	}{
		{"due in 6 days 23 hours", func(p *Person) { p.DueAt = now.Add(6*day + 23*time.Hour) }, KindDueSoon},
		{"due in exactly 7 days", func(p *Person) { p.DueAt = now.Add(7 * day) }, KindDueSoon},
		{"due in 7 days and 1 second", func(p *Person) { p.DueAt = now.Add(7*day + time.Second) }, ""},
		{"due in 30 days", func(p *Person) { p.DueAt = now.Add(30 * day) }, ""},
		{"no due date", func(p *Person) { p.DueAt = time.Time{} }, ""},
		{"due soon but passed", func(p *Person) { p.DueAt = now.Add(day); p.Passed = true }, ""},
		{"overdue but passed", func(p *Person) { p.DueAt = now.Add(-day); p.Passed = true }, ""},
		{"overdue", func(p *Person) { p.DueAt = now.Add(-3 * day) }, KindOverdue},
		{"due right now", func(p *Person) { p.DueAt = now }, KindOverdue},
		{"reminded 6 days ago", func(p *Person) { p.DueAt = now.Add(day); p.LastReminded = now.Add(-6 * day) }, ""},
		{"reminded 7 days less 1 second ago", func(p *Person) { p.DueAt = now.Add(-day); p.LastReminded = now.Add(-7*day + time.Second) }, ""},
		{"reminded 7 days ago", func(p *Person) { p.DueAt = now.Add(day); p.LastReminded = now.Add(-7 * day) }, KindDueSoon},
		{"reminded 7 days ago, overdue", func(p *Person) { p.DueAt = now.Add(-day); p.LastReminded = now.Add(-7 * day) }, KindOverdue},
		{"reminded in the future (clock skew)", func(p *Person) { p.DueAt = now.Add(day); p.LastReminded = now.Add(time.Hour) }, ""},
		{"no email address", func(p *Person) { p.DueAt = now.Add(day); p.Email = "  " }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := person(1, "ki", time.Time{})
			tc.p(&p)
			plan := Build(catalog(t), []Person{p}, now, base)
			got := ""
			if len(plan.Reminders) > 1 {
				t.Fatalf("%d reminders", len(plan.Reminders))
			}
			if len(plan.Reminders) == 1 {
				got = plan.Reminders[0].Kind
			}
			if got != tc.want {
				t.Errorf("kind = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSeveralCoursesOneMessage(t *testing.T) {
	now := testNow()
	people := []Person{
		withTitle(person(7, "datenschutz", now.Add(3*24*time.Hour)), "Datenschutz im Büro"),
		withTitle(person(7, "ki", now.Add(-2*24*time.Hour)), "KI am Arbeitsplatz"),
		withTitle(person(7, "later", now.Add(40*24*time.Hour)), "Später fällig"),
		withTitle(person(7, "done", now.Add(24*time.Hour)), "Schon bestanden"),
	}
	people[3].Passed = true
	plan := Build(catalog(t), people, now, base)
	if len(plan.Reminders) != 1 {
		t.Fatalf("%d reminders, want 1", len(plan.Reminders))
	}
	r := plan.Reminders[0]
	if r.UserID != 7 || r.Kind != KindOverdue || !slices.Equal(r.CourseIDs, []string{"ki", "datenschutz"}) {
		t.Errorf("reminder = %+v", r)
	}
	m := r.Message
	if m.Subject != "Erinnerung: 2 offene Schulungen" || m.Kind != MailKindReminder || m.Lang != "de" {
		t.Errorf("message = %+v", m)
	}
	for _, want := range []string{
		"Hallo Erika Muster,",
		"- KI am Arbeitsplatz: überfällig, war fällig am 28.02.2026\n  https://kipass.example/courses/ki/next\n",
		"- Datenschutz im Büro: fällig am 05.03.2026\n  https://kipass.example/courses/datenschutz/next\n",
	} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	for _, unwanted := range []string{"Später", "later", "bestanden", "done"} {
		if strings.Contains(m.Body, unwanted) {
			t.Errorf("body mentions %q", unwanted)
		}
	}
	if strings.Index(m.Body, "KI am Arbeitsplatz") > strings.Index(m.Body, "Datenschutz") {
		t.Errorf("overdue course not listed first")
	}
}

func TestReminderSpansAllRowsOfAPerson(t *testing.T) {
	now := testNow()
	a := person(3, "a", now.Add(24*time.Hour))
	b := person(3, "b", now.Add(48*time.Hour))
	b.LastReminded = now.Add(-2 * 24 * time.Hour) // recorded on one row only
	if plan := Build(catalog(t), []Person{a, b}, now, base); len(plan.Reminders) != 0 {
		t.Errorf("reminded again within the window: %+v", plan.Reminders)
	}
}

func withTitle(p Person, title string) Person { p.CourseTitle = title; return p }

func TestLanguage(t *testing.T) {
	now := testNow()
	due := time.Date(2026, 3, 5, 23, 30, 0, 0, time.UTC) // 6 March in Berlin
	cases := []struct {
		lang, want, subject, date string
	}{
		{"de", "de", "Erinnerung: Ihre Schulung ist bald fällig", "fällig am 06.03.2026"},
		{"en", "en", "Reminder: your training is due soon", "due on 6 March 2026"},
		{"EN-gb", "en", "Reminder: your training is due soon", "due on 6 March 2026"},
		{"fr", "de", "Erinnerung: Ihre Schulung ist bald fällig", "fällig am 06.03.2026"},
		{"", "de", "Erinnerung: Ihre Schulung ist bald fällig", "fällig am 06.03.2026"},
	}
	for _, tc := range cases {
		p := person(1, "ki", due)
		p.Lang = tc.lang
		plan := Build(catalog(t), []Person{p}, now, base)
		if len(plan.Reminders) != 1 {
			t.Fatalf("%q: %d reminders", tc.lang, len(plan.Reminders))
		}
		m := plan.Reminders[0].Message
		if m.Lang != tc.want || m.Subject != tc.subject || !strings.Contains(m.Body, tc.date) {
			t.Errorf("%q: lang %q subject %q body:\n%s", tc.lang, m.Lang, m.Subject, m.Body)
		}
	}

	p := person(1, "ki", now.Add(-time.Hour))
	p.Lang = "en"
	m := Build(catalog(t), []Person{p}, now, base).Reminders[0].Message
	if m.Subject != "Reminder: your training is overdue" || !strings.Contains(m.Body, "Hello Erika Muster,") ||
		!strings.Contains(m.Body, "KI am Arbeitsplatz: overdue, was due on 2 March 2026") {
		t.Errorf("English overdue message: %q\n%s", m.Subject, m.Body)
	}
}

// others returns three people with distinct data, all due for a reminder.
func others(now time.Time) []Person {
	return []Person{
		{UserID: 1, Name: "Anna Alpha", Email: "anna.alpha@example.com", Lang: "de", CourseID: "kurs-anna", CourseTitle: "Datenschutz Grundlagen", DueAt: now.Add(time.Hour)},
		{UserID: 2, Name: "Bernd Beta", Email: "bernd.beta@example.org", Lang: "en", CourseID: "kurs-bernd", CourseTitle: "KI-Recht", DueAt: now.Add(-time.Hour)},
		{UserID: 3, Name: "Clara Gamma", Email: "clara.gamma@example.net", Lang: "de", CourseID: "kurs-clara", CourseTitle: "Prompting", DueAt: now.Add(50 * time.Hour)},
		{UserID: 3, Name: "Clara Gamma", Email: "clara.gamma@example.net", Lang: "de", CourseID: "kurs-anna", CourseTitle: "Datenschutz Grundlagen", DueAt: now.Add(-50 * time.Hour)},
	}
}

func TestMessagesHoldNoOtherPersonsData(t *testing.T) {
	now := testNow()
	people := others(now)
	plan := Build(catalog(t), people, now, base)
	if len(plan.Reminders) != 3 {
		t.Fatalf("%d reminders, want 3", len(plan.Reminders))
	}
	for _, r := range plan.Reminders {
		text := r.Message.To + "\n" + r.Message.Subject + "\n" + r.Message.Body
		for _, p := range people {
			if p.UserID == r.UserID {
				if !strings.Contains(text, p.Email) || !strings.Contains(text, p.CourseTitle) {
					t.Errorf("reminder for %d lacks its own data: %s", r.UserID, text)
				}
				continue
			}
			own := slices.ContainsFunc(people, func(q Person) bool { return q.UserID == r.UserID && q.CourseID == p.CourseID })
			for _, secret := range []string{p.Name, p.Email, strings.Split(p.Email, "@")[0]} {
				if strings.Contains(text, secret) {
					t.Errorf("reminder for %d contains %q", r.UserID, secret)
				}
			}
			if !own && (strings.Contains(text, p.CourseTitle) || strings.Contains(text, p.CourseID)) {
				t.Errorf("reminder for %d mentions %d's course %q", r.UserID, p.UserID, p.CourseID)
			}
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	now := testNow()
	people := others(now)
	want := Build(catalog(t), people, now, base)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(people)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := Build(catalog(t), shuffled, now, base); !reflect.DeepEqual(got, want) {
			t.Fatalf("order of input changed the plan:\n%+v\n%+v", got, want)
		}
	}
	if ids := []int64{want.Reminders[0].UserID, want.Reminders[1].UserID, want.Reminders[2].UserID}; !slices.IsSorted(ids) {
		t.Errorf("reminders not sorted by user: %v", ids)
	}
}

func TestSummary(t *testing.T) {
	now := testNow()
	people := others(now)
	noMail := person(9, "kurs-anna", now.Add(-time.Hour))
	noMail.Email = ""
	reminded := person(10, "kurs-bernd", now.Add(time.Hour))
	reminded.LastReminded = now.Add(-time.Hour)
	passed := person(11, "kurs-clara", now.Add(-time.Hour))
	passed.Passed = true
	people = append(people, noMail, reminded, passed)

	s := Build(catalog(t), people, now, base).Summary
	want := Summary{
		DueSoon: 3,
		Overdue: 3,
		Courses: []CourseCounts{
			{CourseID: "kurs-anna", Title: "Datenschutz Grundlagen", DueSoon: 1, Overdue: 2},
			{CourseID: "kurs-bernd", Title: "KI-Recht", DueSoon: 1, Overdue: 1},
			{CourseID: "kurs-clara", Title: "Prompting", DueSoon: 1, Overdue: 0},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("summary = %+v\nwant %+v", s, want)
	}
}

func TestSummaryMessages(t *testing.T) {
	now := testNow()
	people := others(now)
	s := Build(catalog(t), people, now, base).Summary
	hr := []Recipient{
		{Email: "hr@example.com", Lang: "de"},
		{Name: "Head of HR", Email: "Boss@example.com", Lang: "en"},
		{Email: "hr@EXAMPLE.com", Lang: "en"}, // the same address again
		{Email: "", Lang: "de"},
	}
	msgs := SummaryMessages(catalog(t), s, hr, now, base)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	en, de := msgs[0], msgs[1]
	if en.To != `"Head of HR" <Boss@example.com>` || en.Lang != "en" || en.Kind != MailKindHRSummary ||
		en.Subject != "kipass: weekly training summary, week 10/2026" {
		t.Errorf("English summary = %+v", en)
	}
	if de.To != "<hr@example.com>" || de.Lang != "de" || de.Subject != "kipass: Wochenübersicht Schulungen, KW 10/2026" {
		t.Errorf("German summary = %+v", de)
	}
	for _, want := range []string{
		"In den nächsten 7 Tagen fällig: 2\nÜberfällig: 2\n",
		"- Datenschutz Grundlagen: 1 bald fällig, 1 überfällig\n",
		"- KI-Recht: 0 bald fällig, 1 überfällig\n",
		"(Stand: 02.03.2026)",
		"https://kipass.example/hr\n",
	} {
		if !strings.Contains(de.Body, want) {
			t.Errorf("German body lacks %q:\n%s", want, de.Body)
		}
	}
	if !strings.Contains(en.Body, "Due within 7 days: 2\nOverdue: 2\n") || !strings.Contains(en.Body, "(as of 2 March 2026)") {
		t.Errorf("English body:\n%s", en.Body)
	}
	for _, m := range msgs {
		for _, p := range people {
			for _, secret := range []string{p.Name, p.Email, strings.Split(p.Name, " ")[0]} {
				if strings.Contains(m.Body, secret) || strings.Contains(m.Subject, secret) {
					t.Errorf("summary contains %q", secret)
				}
			}
		}
	}

	empty := SummaryMessages(catalog(t), Summary{}, hr[:1], now, base)
	if len(empty) != 1 || !strings.Contains(empty[0].Body, "Zurzeit ist keine Schulung") || strings.Contains(empty[0].Body, "Nach Kurs") {
		t.Errorf("empty summary: %+v", empty)
	}
}

// Every message must pass the mail package's checks (no header injection,
// a valid address), even with names and titles that hold line breaks.
func TestMessagesAreValidMail(t *testing.T) {
	now := testNow()
	p := person(1, "kurs mit/leerzeichen", now.Add(time.Hour))
	p.Name = "Erika\r\nBcc: everyone@example.com Muster"
	p.CourseTitle = "Titel\nmit Umbruch"
	plan := Build(catalog(t), []Person{p}, now, base)
	msgs := []mail.Message{plan.Reminders[0].Message}
	msgs = append(msgs, SummaryMessages(catalog(t), plan.Summary, []Recipient{{Name: "H\nR", Email: "hr@example.com"}}, now, base)...)
	sender := mail.NewLogSender(nil)
	for _, m := range msgs {
		if err := sender.Send(t.Context(), m); err != nil {
			t.Errorf("message %q: %v", m.Subject, err)
		}
	}
	body := plan.Reminders[0].Message.Body
	if !strings.Contains(body, "Hallo Erika Bcc: everyone@example.com Muster,") || !strings.Contains(body, "- Titel mit Umbruch: fällig am 02.03.2026") {
		t.Errorf("body:\n%s", body)
	}
	if !strings.Contains(body, "https://kipass.example/courses/kurs%20mit%2Fleerzeichen/next\n") {
		t.Errorf("course link not escaped:\n%s", body)
	}
}
