package app

import "context"

// Onboarding is what the first admin has done of the getting-started
// steps, counted from the stored data (the organisation's name is the
// web layer's to know: it comes from the configuration or the settings).
type Onboarding struct {
	People          int // accounts besides administrators (employees and HR)
	Assignments     int // course assignments
	InvitationsSent int // invitations sent or handed out from the dashboard (audit entries)
	// Joined counts employees and HR who have signed in at least once: the
	// links shown when their accounts were made reached them.
	Joined int
}

// Onboarding counts the getting-started steps for the admin start page.
// Each count is one cheap query (a total, not a list), so the page stays
// fast with 100,000 accounts.
func (a *App) Onboarding(ctx context.Context) (Onboarding, error) {
	var o Onboarding
	for _, role := range []string{RoleEmployee, RoleHR} {
		_, n, err := a.dir.ListUsers(ctx, UserFilter{Role: role, Limit: 1})
		if err != nil {
			return o, err
		}
		o.People += n
	}
	list, err := a.assign.Assignments(ctx)
	if err != nil {
		return o, err
	}
	o.Assignments = len(list)
	if _, o.InvitationsSent, err = a.dir.AuditLog(ctx, AuditFilter{Action: "invitation.resent", Limit: 1}); err != nil {
		return o, err
	}
	o.Joined, err = a.dir.JoinedPeople(ctx)
	return o, err
}
