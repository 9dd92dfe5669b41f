// Package reports derives HR completion statuses and writes reports. It is
// pure: callers pass the facts and the time.
package reports

import "time"

// The statuses of a person in a course, as in the HTTP contract.
const (
	NotStarted = "not_started"
	InProgress = "in_progress"
	Passed     = "passed"
	Expired    = "expired"
	Overdue    = "overdue"
	// Invited: the account was created by import or an admin and the
	// invitation has not been accepted yet; otherwise like NotStarted.
	Invited = "invited"
)

// Facts are what is known about one person in one course.
type Facts struct {
	Started        bool      // any quiz attempt or passed module
	CertificateEnd time.Time // end of validity of the newest unrevoked certificate; zero: none
	Assigned       bool      // the course is assigned to the person
	DueAt          time.Time // the assignment's due date; zero: none
	Invited        bool      // the invitation is not yet accepted
}

// Status derives the one status HR sees. A valid certificate wins; then an
// assignment whose due date has passed; then an expired certificate; then
// whether the person has begun; then whether the invitation is pending.
func Status(f Facts, now time.Time) string {
	switch {
	case !f.CertificateEnd.IsZero() && now.Before(f.CertificateEnd):
		return Passed
	case f.Assigned && !f.DueAt.IsZero() && !now.Before(f.DueAt):
		return Overdue
	case !f.CertificateEnd.IsZero():
		return Expired
	case f.Started:
		return InProgress
	case f.Invited:
		return Invited
	}
	return NotStarted
}

// ValidStatus reports whether s is one of the six statuses.
func ValidStatus(s string) bool {
	switch s {
	case NotStarted, InProgress, Passed, Expired, Overdue, Invited:
		return true
	}
	return false
}

// DueDate is when a person must (again) hold a valid certificate: the
// assignment's due date, or, once a certificate was earned, its end of
// validity if that is later (recertification is due when it expires). Zero
// when the course is not assigned to the person.
func DueDate(assignmentDue, certificateEnd time.Time) time.Time {
	if assignmentDue.IsZero() {
		return time.Time{}
	}
	if certificateEnd.After(assignmentDue) {
		return certificateEnd
	}
	return assignmentDue
}
