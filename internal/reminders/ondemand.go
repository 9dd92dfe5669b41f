package reminders

import (
	"fmt"
	"strings"
	"time"

	"kipass/internal/mail"
)

// MailKindInvitation is the mail.Message kind of a resent invitation.
const MailKindInvitation = "invitation"

// ForPerson writes the reminder HR asks for now for one person's rows:
// every assigned course not passed, earliest due first, overdue ones as
// such. Unlike Build it ignores LastReminded: the caller decides how often
// HR may remind. ok is false when nothing is assigned and open, or the
// person has no address.
func ForPerson(rows []Person, now time.Time, baseURL string) (Reminder, bool) {
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
	r.Message = reminderMessage(who, courses, r.Kind, now, baseURL)
	return r, true
}

// InvitationMessage is a resent invitation: the link to set a password,
// valid until expires (shown in expires' location).
func InvitationMessage(name, email, lang, link string, expires time.Time) mail.Message {
	tx := textsFor(lang)
	var b strings.Builder
	b.WriteString(greeting(tx, name) + "\n\n")
	if tx.lang == "en" {
		fmt.Fprintf(&b, "you have been invited to kipass, the training on AI and data protection at work.\n"+
			"Please set your password with this link (valid until %s):\n\n  %s\n\n", expires.Format(tx.dateLayout), link)
	} else {
		fmt.Fprintf(&b, "Sie wurden zu kipass eingeladen, der Schulung zu KI und Datenschutz am Arbeitsplatz.\n"+
			"Bitte legen Sie mit diesem Link Ihr Passwort fest (gültig bis %s):\n\n  %s\n\n", expires.Format(tx.dateLayout), link)
	}
	b.WriteString(tx.thanks + "\n" + tx.team + "\n\n-- \n" + tx.automatic + "\n")
	subject := "Einladung zu kipass"
	if tx.lang == "en" {
		subject = "Your invitation to kipass"
	}
	return mail.Message{To: address(name, email), Subject: subject, Body: b.String(), Lang: tx.lang, Kind: MailKindInvitation}
}
