package reminders

import (
	"strings"
	"time"

	"kipass/internal/i18n"
	"kipass/internal/mail"
)

// MailKindInvitation is the mail.Message kind of a resent invitation.
const MailKindInvitation = "invitation"

// ForPerson writes the reminder HR asks for now for one person's rows,
// with the texts of msgs:
// every assigned course not passed, earliest due first, overdue ones as
// such. Unlike Build it ignores LastReminded: the caller decides how often
// HR may remind. ok is false when nothing is assigned and open, or the
// person has no address.
func ForPerson(msgs *i18n.Catalog, rows []Person, now time.Time, baseURL string) (Reminder, bool) {
	var courses []open
	seen := map[string]bool{}
	for _, p := range rows {
		if seen[p.CourseID] || p.Passed || p.DueAt.IsZero() {
			continue
		}
		seen[p.CourseID] = true
		k := KindDueSoon
		if !now.Before(p.DueAt) {
			k = KindOverdue
		}
		courses = append(courses, open{Person: p, kind: k})
	}
	who := identity(rows)
	if len(courses) == 0 || who.Email == "" {
		return Reminder{}, false
	}
	// Earliest due first, as in the scheduled reminders.
	for i := 1; i < len(courses); i++ {
		for j := i; j > 0 && courses[j].DueAt.Before(courses[j-1].DueAt); j-- {
			courses[j], courses[j-1] = courses[j-1], courses[j]
		}
	}
	r := Reminder{UserID: who.UserID, Kind: KindDueSoon}
	for _, c := range courses {
		r.CourseIDs = append(r.CourseIDs, c.CourseID)
		if c.kind == KindOverdue {
			r.Kind = KindOverdue
		}
	}
	r.Message = reminderMessage(msgs, who, courses, r.Kind, now, baseURL)
	return r, true
}

// InvitationMessage is a resent invitation: the link to set a password,
// valid until expires (shown in expires' location), in the texts of msgs.
func InvitationMessage(msgs *i18n.Catalog, name, email, lang, link string, expires time.Time) mail.Message {
	p := printer(msgs, lang, expires.Location())
	var b strings.Builder
	b.WriteString(greeting(p, name) + "\n\n")
	b.WriteString(p.T("mail.invitation.text", p.Date(expires)) + "\n\n  " + link + "\n\n")
	b.WriteString(signature(p))
	return mail.Message{To: address(name, email), Subject: p.T("mail.invitation.subject"), Body: b.String(), Lang: p.Lang, Kind: MailKindInvitation}
}
