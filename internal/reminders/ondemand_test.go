package reminders

import (
	"strings"
	"testing"
	"time"
)

// TestForPersonListsOpenCourses: an on-demand reminder lists every
// assigned course not passed, whether or not the person was reminded
// recently, earliest due first; nothing open means no reminder.
func TestForPersonListsOpenCourses(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	rows := []Person{
		{UserID: 7, Name: "Olaf", Email: "olaf@example.com", Lang: "en", CourseID: "b", CourseTitle: "Later course", DueAt: now.AddDate(0, 2, 0), LastReminded: now.Add(-time.Hour)},
		{UserID: 7, CourseID: "a", CourseTitle: "Overdue course", DueAt: now.AddDate(0, 0, -3)},
		{UserID: 7, CourseID: "c", CourseTitle: "Passed course", DueAt: now.AddDate(0, 0, -3), Passed: true},
		{UserID: 7, CourseID: "d", CourseTitle: "Not assigned"},
	}
	r, ok := ForPerson(catalog(t), rows, now, "https://kipass.example.com")
	if !ok || r.Kind != KindOverdue || strings.Join(r.CourseIDs, ",") != "a,b" {
		t.Fatalf("reminder %+v %v", r, ok)
	}
	if !strings.Contains(r.Message.Body, "/courses/a") || strings.Contains(r.Message.Body, "Passed course") || r.Message.To != `"Olaf" <olaf@example.com>` {
		t.Fatalf("message to %q:\n%s", r.Message.To, r.Message.Body)
	}
	if _, ok := ForPerson(catalog(t), rows[2:], now, "https://kipass.example.com"); ok {
		t.Fatal("a reminder with nothing open")
	}
}

// TestInvitationMessage carries the link and the expiry in the language.
func TestInvitationMessage(t *testing.T) {
	m := InvitationMessage(catalog(t), "Ina Neu", "ina@example.com", "de", "https://kipass.example.com/invite?token=abc", time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC))
	if m.Kind != MailKindInvitation || m.Lang != "de" || !strings.Contains(m.Body, "https://kipass.example.com/invite?token=abc") ||
		!strings.Contains(m.Body, "17.") || !strings.Contains(m.Subject, "Einladung") {
		t.Fatalf("%+v", m)
	}
}
