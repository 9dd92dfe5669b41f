// Package reminders decides who gets an email reminder about an assigned
// course and writes the messages, plus a weekly summary for HR that holds
// counts only. It is pure: the caller gathers the facts from the database,
// passes the time, sends the messages and records when each person was
// reminded.
package reminders

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"

	"kipass/internal/i18n"
	"kipass/internal/mail"
)

// The kinds of reminder.
const (
	KindDueSoon = "due_soon" // due within Window
	KindOverdue = "overdue"  // the due date has passed
)

// The mail.Message kinds this package produces (for logs).
const (
	MailKindReminder  = "reminder"
	MailKindHRSummary = "hr_summary"
)

// Window is how far ahead a due date triggers a reminder, and how long after
// a reminder a person is not reminded again: exactly 7*24 hours.
const Window = 7 * 24 * time.Hour

// Person is one course assigned to one person; a person with several
// courses has several Person values with the same UserID.
type Person struct {
	UserID       int64
	Name         string
	Email        string
	Lang         string // "de" or "en"; anything else gets German
	CourseID     string
	CourseTitle  string // in the person's language; empty: the CourseID is shown
	DueAt        time.Time
	Passed       bool      // the person holds a valid certificate for the course
	LastReminded time.Time // when this person was last reminded (of any course); zero: never
}

// Plan is what to send now.
type Plan struct {
	Reminders []Reminder // one per person, by UserID
	Summary   Summary
}

// Reminder is the one message for one person, listing all their courses
// that are due soon or overdue. After sending it, the caller records now as
// the person's LastReminded.
type Reminder struct {
	UserID    int64
	Kind      string   // KindOverdue when any listed course is overdue, else KindDueSoon
	CourseIDs []string // the courses listed, earliest due date first
	Message   mail.Message
}

// Summary counts the open assignments (not passed) that are due within
// Window or overdue, including those of people not reminded this time.
type Summary struct {
	DueSoon int
	Overdue int
	Courses []CourseCounts // courses with at least one count, by CourseID
}

// CourseCounts are the counts of one course.
type CourseCounts struct {
	CourseID string
	Title    string
	DueSoon  int
	Overdue  int
}

// Recipient is someone in HR who gets the weekly summary.
type Recipient struct {
	Name  string // optional
	Email string
	Lang  string
}

// Build decides the reminders at now and counts the summary. The messages'
// texts come from msgs, their dates are shown in now's location; links
// start with baseURL.
func Build(msgs *i18n.Catalog, people []Person, now time.Time, baseURL string) Plan {
	sorted := slices.Clone(people)
	slices.SortStableFunc(sorted, func(a, b Person) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), a.DueAt.Compare(b.DueAt), cmp.Compare(a.CourseID, b.CourseID))
	})
	var plan Plan
	counts := map[string]*CourseCounts{}
	for start := 0; start < len(sorted); {
		end := start
		for end < len(sorted) && sorted[end].UserID == sorted[start].UserID {
			end++
		}
		open := openCourses(sorted[start:end], now)
		for _, o := range open {
			countCourse(&plan.Summary, counts, o)
		}
		if r, ok := reminderFor(msgs, sorted[start:end], open, now, baseURL); ok {
			plan.Reminders = append(plan.Reminders, r)
		}
		start = end
	}
	for _, c := range counts {
		plan.Summary.Courses = append(plan.Summary.Courses, *c)
	}
	slices.SortFunc(plan.Summary.Courses, func(a, b CourseCounts) int { return cmp.Compare(a.CourseID, b.CourseID) })
	return plan
}

// open is one course of a person that is due soon or overdue.
type open struct {
	Person
	kind string
}

// openCourses returns the rows of one person (sorted by due date) that are
// due soon or overdue, each course once.
func openCourses(rows []Person, now time.Time) []open {
	var out []open
	seen := map[string]bool{}
	for _, p := range rows {
		if seen[p.CourseID] {
			continue
		}
		seen[p.CourseID] = true
		if k := kindAt(p, now); k != "" {
			out = append(out, open{Person: p, kind: k})
		}
	}
	return out
}

// kindAt classifies one assignment at now: KindOverdue from the due date
// on, KindDueSoon up to Window before it, else "".
func kindAt(p Person, now time.Time) string {
	switch {
	case p.Passed || p.DueAt.IsZero():
		return ""
	case !now.Before(p.DueAt):
		return KindOverdue
	case !p.DueAt.After(now.Add(Window)):
		return KindDueSoon
	}
	return ""
}

// recentlyReminded reports whether a reminder at last blocks one at now.
func recentlyReminded(last, now time.Time) bool {
	return !last.IsZero() && now.Sub(last) < Window
}

func countCourse(s *Summary, counts map[string]*CourseCounts, o open) {
	c := counts[o.CourseID]
	if c == nil {
		c = &CourseCounts{CourseID: o.CourseID}
		counts[o.CourseID] = c
	}
	if c.Title == "" {
		c.Title = oneLine(o.CourseTitle)
	}
	if o.kind == KindOverdue {
		c.Overdue++
		s.Overdue++
	} else {
		c.DueSoon++
		s.DueSoon++
	}
}

// reminderFor returns the reminder for one person's rows, if one is due.
func reminderFor(msgs *i18n.Catalog, rows []Person, courses []open, now time.Time, baseURL string) (Reminder, bool) {
	who := identity(rows)
	if len(courses) == 0 || who.Email == "" || recentlyReminded(who.LastReminded, now) {
		return Reminder{}, false
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

// identity merges one person's rows: the first non-empty name, address and
// language, and the latest reminder.
func identity(rows []Person) Person {
	var who Person
	for _, p := range rows {
		who.UserID = p.UserID
		who.Name = cmp.Or(who.Name, p.Name)
		who.Email = cmp.Or(who.Email, strings.TrimSpace(p.Email))
		who.Lang = cmp.Or(who.Lang, p.Lang)
		if p.LastReminded.After(who.LastReminded) {
			who.LastReminded = p.LastReminded
		}
	}
	return who
}

// courseURL returns the link to the learner's next step in a course (the
// next module not passed, or the exam); it asks for a login first.
func courseURL(baseURL, courseID string) string {
	return strings.TrimRight(baseURL, "/") + "/courses/" + url.PathEscape(courseID) + "/next"
}

// hrURL returns the link to the HR area.
func hrURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/hr"
}

// oneLine replaces control characters (line breaks included) with spaces,
// so that names and titles cannot break a header or the layout.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
