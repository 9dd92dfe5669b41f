package reminders

import (
	"cmp"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"kipass/internal/i18n"
	"kipass/internal/mail"
)

// language maps a stored language to "de" or "en"; unknown means German.
func language(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if l == "en" {
		return "en"
	}
	return "de"
}

// printer writes the messages of lang (see language) from msgs, with
// dates in zone.
func printer(msgs *i18n.Catalog, lang string, zone *time.Location) i18n.Printer {
	return msgs.Printer(language(lang), zone)
}

// reminderMessage writes the reminder for who about courses.
func reminderMessage(msgs *i18n.Catalog, who Person, courses []open, kind string, now time.Time, baseURL string) mail.Message {
	p := printer(msgs, who.Lang, now.Location())
	subject, intro := p.T("mail.reminder.subject_due_soon"), p.T("mail.reminder.intro_due_soon")
	switch {
	case len(courses) > 1:
		subject, intro = p.T("mail.reminder.subject_many", len(courses)), p.T("mail.reminder.intro_many")
	case kind == KindOverdue:
		subject, intro = p.T("mail.reminder.subject_overdue"), p.T("mail.reminder.intro_overdue")
	}
	var b strings.Builder
	b.WriteString(greeting(p, who.Name) + "\n\n" + intro + "\n\n")
	for _, c := range courses {
		title := cmp.Or(oneLine(c.CourseTitle), c.CourseID)
		line := "mail.reminder.line_due_soon"
		if c.kind == KindOverdue {
			line = "mail.reminder.line_overdue"
		}
		fmt.Fprintf(&b, "- %s\n  %s\n\n", p.T(line, title, p.Date(c.DueAt)), courseURL(baseURL, c.CourseID))
	}
	b.WriteString(p.T("mail.reminder.encourage") + "\n\n" + signature(p))
	return mail.Message{
		To:      address(who.Name, who.Email),
		Subject: subject,
		Body:    b.String(),
		Lang:    p.Lang,
		Kind:    MailKindReminder,
	}
}

// SummaryMessages writes the weekly summary for each HR recipient (each
// address once, sorted by address, in the recipient's language) from the
// texts in msgs. It holds counts and course titles only, no names, and
// links to {baseURL}/hr.
func SummaryMessages(msgs *i18n.Catalog, s Summary, hr []Recipient, now time.Time, baseURL string) []mail.Message {
	rcpts := slices.Clone(hr)
	slices.SortStableFunc(rcpts, func(a, b Recipient) int {
		return strings.Compare(strings.ToLower(strings.TrimSpace(a.Email)), strings.ToLower(strings.TrimSpace(b.Email)))
	})
	var out []mail.Message
	seen := map[string]bool{}
	for _, r := range rcpts {
		key := strings.ToLower(strings.TrimSpace(r.Email))
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, summaryMessage(msgs, s, r, now, baseURL))
	}
	return out
}

func summaryMessage(msgs *i18n.Catalog, s Summary, r Recipient, now time.Time, baseURL string) mail.Message {
	p := printer(msgs, r.Lang, now.Location())
	year, week := now.ISOWeek()
	var b strings.Builder
	b.WriteString(p.T("mail.hello") + "\n\n" + p.T("mail.summary.intro", p.Date(now)) + "\n\n")
	if s.DueSoon == 0 && s.Overdue == 0 {
		b.WriteString(p.T("mail.summary.none") + "\n\n")
	} else {
		b.WriteString(p.T("mail.summary.due_soon", s.DueSoon) + "\n" + p.T("mail.summary.overdue", s.Overdue) + "\n\n")
		if len(s.Courses) > 0 {
			b.WriteString(p.T("mail.summary.by_course") + "\n")
			for _, c := range s.Courses {
				b.WriteString(p.T("mail.summary.course", cmp.Or(oneLine(c.Title), c.CourseID), c.DueSoon, c.Overdue) + "\n")
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(p.T("mail.summary.details") + "\n" + hrURL(baseURL) + "\n\n" + p.T("mail.summary.no_names") +
		"\n\n-- \n" + p.T("mail.automatic") + "\n")
	return mail.Message{
		To:      address(r.Name, r.Email),
		Subject: p.T("mail.summary.subject", week, year),
		Body:    b.String(),
		Lang:    p.Lang,
		Kind:    MailKindHRSummary,
	}
}

// greeting is "Hallo Erika Muster," or, without a name, "Hallo,".
func greeting(p i18n.Printer, name string) string {
	if name = oneLine(name); name == "" {
		return p.T("mail.hello")
	}
	return p.T("mail.hello_name", name)
}

// signature ends a message to a learner: thanks, the team, and that the
// email was sent automatically.
func signature(p i18n.Printer) string {
	return p.T("mail.thanks") + "\n" + p.T("mail.team") + "\n\n-- \n" + p.T("mail.automatic") + "\n"
}

// address formats a To header value; the name is made one line and quoted
// or encoded as needed.
func address(name, email string) string {
	a := netmail.Address{Name: oneLine(name), Address: strings.TrimSpace(email)}
	return a.String()
}
