package main

import (
	"context"
	"log/slog"
	"time"

	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/i18n"
	"kipass/internal/mail"
	"kipass/internal/reminders"
	"kipass/internal/reports"
	"kipass/internal/store"
)

// job is a periodic task of `serve`. Its last run is stored in the
// database, so a restart does not run it again early, and several
// instances on one PostgreSQL database run it once per period.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context, now time.Time) error
}

// runDueJobs runs the jobs that are due (the "jobs" task checks hourly). A
// failed run is logged and tried again the next time; it never stops the
// server.
func runDueJobs(ctx context.Context, db *store.DB, now func() time.Time, log *slog.Logger, jobs ...job) {
	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		if err := runIfDue(ctx, db, j, now()); err != nil && ctx.Err() == nil {
			log.Error("periodic job failed", "job", j.name, "err", err)
		}
	}
}

// runIfDue runs the job when it is due; with several instances on one
// PostgreSQL database only one of them runs it (store.DB.RunJobOnce).
func runIfDue(ctx context.Context, db *store.DB, j job, now time.Time) error {
	_, err := db.RunJobOnce(ctx, j.name, j.every, now, func(ctx context.Context) error { return j.run(ctx, now) })
	return err
}

// retentionJob deletes what the retention periods no longer allow, daily.
func retentionJob(db *store.DB, r store.Retention, log *slog.Logger) job {
	return job{name: "retention", every: 24 * time.Hour, run: func(ctx context.Context, now time.Time) error {
		res, err := db.ApplyRetention(ctx, r, now)
		if err != nil {
			return err
		}
		log.Info("retention run", "answers_cleared", res.AnswersCleared, "accounts_erased", res.AccountsErased, "audit_deleted", res.AuditDeleted)
		return nil
	}}
}

// reminderJob emails people whose assignment is due within 7 days or
// overdue, at most once a week per person; it runs hourly. The texts come
// from msgs.
func reminderJob(db *store.DB, catalog func() *courses.Catalog, msgs *i18n.Catalog, zone func() *time.Location, sender mail.Sender, baseURL string, log *slog.Logger) job {
	return job{name: "reminders", every: time.Hour, run: func(ctx context.Context, now time.Time) error {
		now = now.In(zone()) // the emails' dates are the organisation's
		plan, err := reminderPlan(ctx, db, catalog(), msgs, now, baseURL)
		if err != nil {
			return err
		}
		sent, failed := 0, 0
		for _, r := range plan.Reminders {
			if err := sender.Send(ctx, r.Message); err != nil {
				failed++
				log.Warn("reminder not sent", "user_id", r.UserID, "kind", r.Kind, "err", err)
				continue
			}
			if err := db.MarkReminded(ctx, r.UserID, now); err != nil {
				return err
			}
			sent++
		}
		if sent+failed > 0 {
			log.Info("reminders", "sent", sent, "failed", failed)
		}
		return nil
	}}
}

// hrSummaryJob sends HR (accounts without a department limit) and admins a
// weekly summary with counts only.
func hrSummaryJob(db *store.DB, catalog func() *courses.Catalog, msgs *i18n.Catalog, zone func() *time.Location, sender mail.Sender, baseURL string, log *slog.Logger) job {
	return job{name: "hr_summary", every: 7 * 24 * time.Hour, run: func(ctx context.Context, now time.Time) error {
		now = now.In(zone())
		plan, err := reminderPlan(ctx, db, catalog(), msgs, now, baseURL)
		if err != nil {
			return err
		}
		people, err := kapp.New(kapp.Deps{Directory: db, Reports: db}).SummaryRecipients(ctx)
		if err != nil {
			return err
		}
		var to []reminders.Recipient
		for _, u := range people {
			to = append(to, reminders.Recipient{Name: u.Name, Email: u.Email, Lang: u.Lang})
		}
		sent := 0
		for _, m := range reminders.SummaryMessages(msgs, plan.Summary, to, now, baseURL) {
			if err := sender.Send(ctx, m); err != nil {
				log.Warn("hr summary not sent", "err", err)
				continue
			}
			sent++
		}
		log.Info("hr summary", "sent", sent, "due_soon", plan.Summary.DueSoon, "overdue", plan.Summary.Overdue)
		return nil
	}}
}

// reminderPlan gathers every active person's assigned courses and plans
// the reminders. The statuses and due dates come from the use case that
// the HR dashboard reads (app.HRReport), so both apply the same rules.
func reminderPlan(ctx context.Context, db *store.DB, cat *courses.Catalog, msgs *i18n.Catalog, now time.Time, baseURL string) (reminders.Plan, error) {
	last, err := db.LastReminders(ctx)
	if err != nil {
		return reminders.Plan{}, err
	}
	uc := kapp.New(kapp.Deps{Catalog: func() *courses.Catalog { return cat }, Reports: db})
	rows, err := uc.HRReportAt(ctx, "", nil, now)
	if err != nil {
		return reminders.Plan{}, err
	}
	var people []reminders.Person
	for _, r := range rows {
		co, ok := cat.Course(r.Course)
		if !ok || r.Due.IsZero() {
			continue
		}
		people = append(people, reminders.Person{UserID: r.UserID, Name: r.Name, Email: r.Email, Lang: r.Lang,
			CourseID: co.ID, CourseTitle: co.Title.Get(r.Lang), DueAt: r.Due, Passed: r.Status == reports.Passed,
			LastReminded: last[r.UserID]})
	}
	return reminders.Build(msgs, people, now, baseURL), nil
}
