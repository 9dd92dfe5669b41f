package app

import (
	"context"
	"time"

	"kipass/courses"
	"kipass/internal/errs"
	"kipass/internal/reports"
)

// LearnerStore answers what a learner's own pages show beyond progress.
type LearnerStore interface {
	// ModulesTried returns the modules of the course in which the person
	// started at least one quiz attempt.
	ModulesTried(ctx context.Context, userID int64, courseID string) (map[string]bool, error)
	// AssignedDue returns the earliest due date of the assignments of the
	// course that cover the person (everyone, their department, them);
	// zero when none does.
	AssignedDue(ctx context.Context, userID int64, department, courseID string) (time.Time, error)
	// InvitedUser returns the account an unexpired invitation or reset
	// token belongs to.
	InvitedUser(ctx context.Context, tokenHash []byte) (User, error)
}

// The three states of a module for its learner.
const (
	ModuleNotStarted = "not_started"
	ModuleStarted    = "started" // a quiz was started or failed, not passed yet
	ModulePassed     = "passed"
)

// LearnerModule is a module with its state for the learner.
type LearnerModule struct {
	ModuleStatus
	State string // ModuleNotStarted, ModuleStarted or ModulePassed
	Index int    // 1-based position in the course
}

// LearnerCourse is one course as its learner's dashboard shows it.
type LearnerCourse struct {
	CourseStatus
	Steps []LearnerModule
	// Next is the first module not passed yet; nil when all are.
	Next *LearnerModule
	// MinutesLeft is the reading time of the modules not passed yet plus
	// the exam's time limit while the exam is not passed; TotalMinutes is
	// the whole course's.
	MinutesLeft, TotalMinutes int
	// Due is when the person must hold a valid certificate (the
	// assignment's due date, or the certificate's end when later); zero
	// when the course is not assigned. Overdue is true once it passed
	// without a valid certificate.
	Due     time.Time
	Overdue bool
	// OpenExam is an exam in progress (nil: none), with whole minutes left.
	OpenExam        *Attempt
	ExamMinutesLeft int
	// Certificate is the current unrevoked certificate (zero ID: none);
	// Recertify is when it must be renewed (its end of validity).
	Certificate Certificate
	Recertify   time.Time
}

// LearnerCourse returns the learner's view of a course in the language:
// states, next step, time left, deadline, exam in progress, certificate.
func (a *App) LearnerCourse(ctx context.Context, u User, co *courses.Course, lang string) (LearnerCourse, error) {
	st, err := a.CourseStatus(ctx, u.ID, co)
	if err != nil {
		return LearnerCourse{}, err
	}
	lc := LearnerCourse{CourseStatus: st}
	tried := map[string]bool{}
	if u.ID != 0 && a.learner != nil {
		if tried, err = a.learner.ModulesTried(ctx, u.ID, co.ID); err != nil {
			return lc, err
		}
	}
	for i, m := range st.Modules {
		lm := LearnerModule{ModuleStatus: m, Index: i + 1, State: ModuleNotStarted}
		switch {
		case m.Passed:
			lm.State = ModulePassed
		case tried[m.Module.ID]:
			lm.State = ModuleStarted
		}
		minutes := m.Module.Minutes[lang]
		lc.TotalMinutes += minutes
		if !m.Passed {
			lc.MinutesLeft += minutes
		}
		lc.Steps = append(lc.Steps, lm)
	}
	for i := range lc.Steps {
		if !lc.Steps[i].Passed {
			lc.Next = &lc.Steps[i]
			break
		}
	}
	lc.TotalMinutes += co.Exam.Minutes
	if !st.ExamPassed {
		lc.MinutesLeft += co.Exam.Minutes
	}
	if u.ID == 0 {
		return lc, nil
	}
	now := a.now()
	if lc.Certificate, err = a.certs.CurrentCertificate(ctx, u.ID, co.ID); err != nil {
		return lc, err
	}
	if lc.Certificate.ID != "" {
		lc.Recertify = lc.Certificate.ExpiresAt
	}
	if a.learner != nil {
		due, err := a.learner.AssignedDue(ctx, u.ID, u.Department, co.ID)
		if err != nil {
			return lc, err
		}
		lc.Due = reports.DueDate(due, lc.Recertify)
		valid := lc.Certificate.ID != "" && lc.Certificate.ExpiresAt.After(now)
		lc.Overdue = !lc.Due.IsZero() && !now.Before(lc.Due) && !valid
	}
	if st.ExamUnlocked {
		if lc.OpenExam, err = a.OpenAttempt(ctx, u.ID, co.ID, ""); err != nil {
			return lc, err
		}
		if lc.OpenExam != nil {
			lc.ExamMinutesLeft = max(1, int(lc.OpenExam.ExpiresAt.Sub(now).Minutes()+0.999))
		}
	}
	return lc, nil
}

// InvitedUser returns the account an invitation link belongs to (for the
// invitation page's due dates); not found for unknown or used links.
func (a *App) InvitedUser(ctx context.Context, tokenHash []byte) (User, error) {
	if a.learner == nil {
		return User{}, errs.New(errs.NotFound, "not_found", "This link is not valid any more.")
	}
	return a.learner.InvitedUser(ctx, tokenHash)
}
