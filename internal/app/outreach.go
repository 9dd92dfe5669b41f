package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/mail"
	"kipass/internal/reminders"
	"kipass/internal/reports"
)

// OutreachStore records invitations and reminders that HR sends.
type OutreachStore interface {
	// ReissueInvite replaces an invited account's invitation token (old
	// links stop working) and notes the time; an account that is not
	// invited is an errs.NotFound.
	ReissueInvite(ctx context.Context, userID int64, tokenHash []byte, expires time.Time) error
	// LastReminders returns when each person was last reminded.
	LastReminders(ctx context.Context) (map[int64]time.Time, error)
	// MarkReminded records a reminder sent at t.
	MarkReminded(ctx context.Context, userID int64, t time.Time) error
	// InvitedAt returns when the person was last invited and whether the
	// invitation is still pending (no password set yet).
	InvitedAt(ctx context.Context, userID int64) (at time.Time, pending bool, err error)
}

// ErrMailOff answers a reminder when no mail server is configured: there
// is no other way to reach the person.
var ErrMailOff = errs.New(errs.Conflict, "mail_not_configured", "No mail server is configured (serve --smtp-host); reminders cannot be sent.")

// errMailFailed answers when the mail server refused or failed: what was
// sent before stays sent (and audited).
var errMailFailed = errs.New(errs.Unavailable, "mail_failed", "The mail server did not accept the message; please try again later.")

// mailFailed notes a failed send in the audit log; the error itself may
// name the recipient, so it is not recorded.
func (a *App) mailFailed(ctx context.Context, _ error) {
	_ = a.audit.Audit(ctx, Actor{Role: "system"}, "mail.failed", 0, "")
}

// ErrAggregateOnly answers per-person actions in works-council mode.
var ErrAggregateOnly = errs.New(errs.Forbidden, "aggregate_only",
	"This installation shows department totals only (works-council mode); per-person reports and actions are off.")

// Selection names the people an action is for: the ids given, or, with
// View set, everyone in that view of the report (the view's status is set
// by the action: invited or overdue).
type Selection struct {
	UserIDs []int64
	View    *ReportQuery
}

// InviteLink is a new invitation link for someone without email.
type InviteLink struct {
	UserID      int64
	Name, Email string
	URL         string
	Expires     time.Time
}

// InviteResult is what ResendInvites did.
type InviteResult struct {
	Emailed []int64      // invitations sent by email
	Links   []InviteLink // new links to pass on (no mail server configured)
	Skipped []int64      // selected people who have accepted their invitation already
}

// selected resolves a selection to the people in the caller's view: ids
// outside the caller's departments are not found; a view adds everyone in
// it with the given status.
func (a *App) selected(ctx context.Context, by User, sel Selection, status string) ([]*PersonStatus, error) {
	if a.cfg.AggregateOnly {
		return nil, ErrAggregateOnly
	}
	if by.Role != RoleHR && by.Role != RoleAdmin {
		return nil, errs.New(errs.Forbidden, "forbidden", "Only HR and administrators may do this.")
	}
	if sel.View != nil {
		q := *sel.View
		q.Status = status
		rows, _, err := a.HRView(ctx, by, q)
		return uniquePeople(rows), err
	}
	if len(sel.UserIDs) == 0 {
		return nil, errs.Field("user_ids", "required")
	}
	if len(sel.UserIDs) > 10_000 {
		return nil, errs.Field("user_ids", "too_many")
	}
	rows, _, err := a.HRView(ctx, by, ReportQuery{})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*PersonStatus, len(rows))
	for _, r := range rows {
		if _, ok := byID[r.UserID]; !ok {
			byID[r.UserID] = r
		}
	}
	var out []*PersonStatus
	for _, id := range sel.UserIDs {
		r, ok := byID[id]
		if !ok {
			return nil, errs.New(errs.NotFound, "not_found", "No such person in your departments.")
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// uniquePeople keeps each person's first row.
func uniquePeople(rows []*PersonStatus) []*PersonStatus {
	seen := map[int64]bool{}
	var out []*PersonStatus
	for _, r := range rows {
		if !seen[r.UserID] {
			seen[r.UserID] = true
			out = append(out, r)
		}
	}
	return out
}

// ResendInvites gives each selected person who has not accepted the
// invitation a new link (valid Config.InviteTTL; the old one stops
// working), by email when a mail server is configured, else in the result
// for HR to pass on. With a view it is everyone invited in it (a
// department, say). Each is audited.
func (a *App) ResendInvites(ctx context.Context, by User, sel Selection) (InviteResult, error) {
	people, err := a.selected(ctx, by, sel, reports.Invited)
	if err != nil {
		return InviteResult{}, err
	}
	msgs, err := a.messages()
	if err != nil {
		return InviteResult{}, err
	}
	var res InviteResult
	expires := a.now().Add(a.cfg.InviteTTL)
	for _, p := range people {
		if !p.Invited {
			res.Skipped = append(res.Skipped, p.UserID)
			continue
		}
		token := auth.NewToken()
		if err := a.outreach.ReissueInvite(ctx, p.UserID, auth.HashToken(token), expires); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				res.Skipped = append(res.Skipped, p.UserID)
				continue
			}
			return res, err
		}
		link := strings.TrimRight(a.cfg.BaseURL, "/") + "/invite?token=" + token
		how := "link"
		if a.cfg.MailConfigured {
			m := reminders.InvitationMessage(msgs, p.Name, p.Email, p.Lang, link, expires.In(a.Zone()))
			if err := a.mail.Send(ctx, m); err != nil {
				a.mailFailed(ctx, err)
				return res, errMailFailed
			}
			how = "email"
			res.Emailed = append(res.Emailed, p.UserID)
		} else {
			res.Links = append(res.Links, InviteLink{UserID: p.UserID, Name: p.Name, Email: p.Email, URL: link, Expires: expires})
		}
		if err := a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, "invitation.resent", p.UserID, "by="+how); err != nil {
			return res, err
		}
	}
	return res, nil
}

// ReminderResult is what SendReminders did.
type ReminderResult struct {
	Sent []int64
	// RemindedToday are people not reminded again: they got a reminder
	// today already (the organisation's calendar day).
	RemindedToday []int64
	// NothingOpen are people with no assigned course left to complete.
	NothingOpen []int64
}

// SendReminders emails each selected person a reminder of their assigned,
// not passed courses, at most one a day per person (the organisation's
// day, scheduled reminders included). With a view it is everyone overdue
// in it. Each send is audited.
func (a *App) SendReminders(ctx context.Context, by User, sel Selection) (ReminderResult, error) {
	people, err := a.selected(ctx, by, sel, reports.Overdue)
	if err != nil {
		return ReminderResult{}, err
	}
	if !a.cfg.MailConfigured {
		return ReminderResult{}, ErrMailOff
	}
	msgs, err := a.messages()
	if err != nil {
		return ReminderResult{}, err
	}
	last, err := a.outreach.LastReminders(ctx)
	if err != nil {
		return ReminderResult{}, err
	}
	all, now, err := a.HRReport(ctx, "", nil)
	if err != nil {
		return ReminderResult{}, err
	}
	want := map[int64]bool{}
	for _, p := range people {
		want[p.UserID] = true
	}
	rows := map[int64][]reminders.Person{}
	for _, r := range all {
		if !want[r.UserID] {
			continue
		}
		title := r.Course
		if co, ok := a.Course(r.Course); ok {
			title = co.Title.Get(r.Lang)
		}
		rows[r.UserID] = append(rows[r.UserID], reminders.Person{UserID: r.UserID, Name: r.Name, Email: r.Email, Lang: r.Lang,
			CourseID: r.Course, CourseTitle: title, DueAt: r.Due, Passed: r.Status == reports.Passed})
	}
	loc := a.Zone()
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var res ReminderResult
	for _, p := range people {
		if t, ok := last[p.UserID]; ok && !t.Before(today) {
			res.RemindedToday = append(res.RemindedToday, p.UserID)
			continue
		}
		r, ok := reminders.ForPerson(msgs, rows[p.UserID], now.In(loc), a.cfg.BaseURL)
		if !ok {
			res.NothingOpen = append(res.NothingOpen, p.UserID)
			continue
		}
		if err := a.mail.Send(ctx, r.Message); err != nil {
			a.mailFailed(ctx, err)
			return res, errMailFailed
		}
		if err := a.outreach.MarkReminded(ctx, p.UserID, now); err != nil {
			return res, err
		}
		res.Sent = append(res.Sent, p.UserID)
		if err := a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, "reminder.sent", p.UserID,
			"kind="+r.Kind+" courses="+itoa(int64(len(r.CourseIDs)))); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Mailer sends email; mail.Sender fits.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}
