package reminders

import (
	"cmp"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"kipass/internal/mail"
)

// texts are the words of the messages in one language.
type texts struct {
	lang       string
	dateLayout string

	hello, helloName string // greeting without and with a name (%s)

	subjectDueSoon, subjectOverdue, subjectMany string // subjectMany: %d courses
	introDueSoon, introOverdue, introMany       string
	lineDueSoon, lineOverdue                    string // %s title, %s date
	encourage, thanks, team, automatic          string

	summarySubject  string // %d week, %d year
	summaryIntro    string // %s date
	summaryDueSoon  string // %d
	summaryOverdue  string // %d
	summaryNone     string
	summaryByCourse string
	summaryCourse   string // %s title, %d due soon, %d overdue
	summaryDetails  string
	summaryNoNames  string
}

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

// textsFor returns the texts of lang (see language).
func textsFor(lang string) texts {
	if language(lang) == "en" {
		return texts{
			lang:            "en",
			dateLayout:      "2 January 2006",
			hello:           "Hello,",
			helloName:       "Hello %s,",
			subjectDueSoon:  "Reminder: your training is due soon",
			subjectOverdue:  "Reminder: your training is overdue",
			subjectMany:     "Reminder: %d trainings to complete",
			introDueSoon:    "A friendly reminder: your training in kipass is due soon.",
			introOverdue:    "Your training in kipass is overdue. Please complete it as soon as you can.",
			introMany:       "A friendly reminder: these trainings in kipass are waiting for you.",
			lineDueSoon:     "%s: due on %s",
			lineOverdue:     "%s: overdue, was due on %s",
			encourage:       "The modules are short, and you can pause at any time and continue later.",
			thanks:          "Thank you!",
			team:            "Your kipass team",
			automatic:       "This email was sent automatically.",
			summarySubject:  "kipass: weekly training summary, week %d/%d",
			summaryIntro:    "Here is the weekly summary of the trainings in kipass (as of %s).",
			summaryDueSoon:  "Due within 7 days: %d",
			summaryOverdue:  "Overdue: %d",
			summaryNone:     "No training is due within 7 days or overdue at the moment.",
			summaryByCourse: "By course:",
			summaryCourse:   "- %s: %d due soon, %d overdue",
			summaryDetails:  "You will find the details in the HR area:",
			summaryNoNames:  "This summary deliberately contains no names.",
		}
	}
	return texts{
		lang:            "de",
		dateLayout:      "02.01.2006",
		hello:           "Hallo,",
		helloName:       "Hallo %s,",
		subjectDueSoon:  "Erinnerung: Ihre Schulung ist bald fällig",
		subjectOverdue:  "Erinnerung: Ihre Schulung ist überfällig",
		subjectMany:     "Erinnerung: %d offene Schulungen",
		introDueSoon:    "eine freundliche Erinnerung: Ihre Schulung in kipass ist bald fällig.",
		introOverdue:    "Ihre Schulung in kipass ist überfällig. Bitte schließen Sie sie so bald wie möglich ab.",
		introMany:       "eine freundliche Erinnerung: Diese Schulungen in kipass warten auf Sie.",
		lineDueSoon:     "%s: fällig am %s",
		lineOverdue:     "%s: überfällig, war fällig am %s",
		encourage:       "Die Module sind kurz, und Sie können jederzeit unterbrechen und später weitermachen.",
		thanks:          "Vielen Dank!",
		team:            "Ihr kipass-Team",
		automatic:       "Diese E-Mail wurde automatisch versandt.",
		summarySubject:  "kipass: Wochenübersicht Schulungen, KW %d/%d",
		summaryIntro:    "hier ist die wöchentliche Übersicht der Schulungen in kipass (Stand: %s).",
		summaryDueSoon:  "In den nächsten 7 Tagen fällig: %d",
		summaryOverdue:  "Überfällig: %d",
		summaryNone:     "Zurzeit ist keine Schulung in den nächsten 7 Tagen fällig oder überfällig.",
		summaryByCourse: "Nach Kurs:",
		summaryCourse:   "- %s: %d bald fällig, %d überfällig",
		summaryDetails:  "Die Einzelheiten finden Sie im HR-Bereich:",
		summaryNoNames:  "Diese Übersicht enthält bewusst keine Namen.",
	}
}

// reminderMessage writes the reminder for who about courses.
func reminderMessage(who Person, courses []open, kind string, now time.Time, baseURL string) mail.Message {
	tx := textsFor(who.Lang)
	subject, intro := tx.subjectDueSoon, tx.introDueSoon
	switch {
	case len(courses) > 1:
		subject, intro = fmt.Sprintf(tx.subjectMany, len(courses)), tx.introMany
	case kind == KindOverdue:
		subject, intro = tx.subjectOverdue, tx.introOverdue
	}
	var b strings.Builder
	b.WriteString(greeting(tx, who.Name) + "\n\n" + intro + "\n\n")
	for _, c := range courses {
		title := cmp.Or(oneLine(c.CourseTitle), c.CourseID)
		line := tx.lineDueSoon
		if c.kind == KindOverdue {
			line = tx.lineOverdue
		}
		fmt.Fprintf(&b, "- "+line+"\n  %s\n\n", title, c.DueAt.In(now.Location()).Format(tx.dateLayout), courseURL(baseURL, c.CourseID))
	}
	b.WriteString(tx.encourage + "\n\n" + tx.thanks + "\n" + tx.team + "\n\n-- \n" + tx.automatic + "\n")
	return mail.Message{
		To:      address(who.Name, who.Email),
		Subject: subject,
		Body:    b.String(),
		Lang:    tx.lang,
		Kind:    MailKindReminder,
	}
}

// SummaryMessages writes the weekly summary for each HR recipient (each
// address once, sorted by address, in the recipient's language). It holds
// counts and course titles only, no names, and links to {baseURL}/hr.
func SummaryMessages(s Summary, hr []Recipient, now time.Time, baseURL string) []mail.Message {
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
		out = append(out, summaryMessage(s, r, now, baseURL))
	}
	return out
}

func summaryMessage(s Summary, r Recipient, now time.Time, baseURL string) mail.Message {
	tx := textsFor(r.Lang)
	year, week := now.ISOWeek()
	var b strings.Builder
	b.WriteString(tx.hello + "\n\n" + fmt.Sprintf(tx.summaryIntro, now.Format(tx.dateLayout)) + "\n\n")
	if s.DueSoon == 0 && s.Overdue == 0 {
		b.WriteString(tx.summaryNone + "\n\n")
	} else {
		fmt.Fprintf(&b, tx.summaryDueSoon+"\n"+tx.summaryOverdue+"\n\n", s.DueSoon, s.Overdue)
		if len(s.Courses) > 0 {
			b.WriteString(tx.summaryByCourse + "\n")
			for _, c := range s.Courses {
				fmt.Fprintf(&b, tx.summaryCourse+"\n", cmp.Or(oneLine(c.Title), c.CourseID), c.DueSoon, c.Overdue)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(tx.summaryDetails + "\n" + hrURL(baseURL) + "\n\n" + tx.summaryNoNames + "\n\n-- \n" + tx.automatic + "\n")
	return mail.Message{
		To:      address(r.Name, r.Email),
		Subject: fmt.Sprintf(tx.summarySubject, week, year),
		Body:    b.String(),
		Lang:    tx.lang,
		Kind:    MailKindHRSummary,
	}
}

func greeting(tx texts, name string) string {
	if name = oneLine(name); name == "" {
		return tx.hello
	}
	return fmt.Sprintf(tx.helloName, name)
}

// address formats a To header value; the name is made one line and quoted
// or encoded as needed.
func address(name, email string) string {
	a := netmail.Address{Name: oneLine(name), Address: strings.TrimSpace(email)}
	return a.String()
}
