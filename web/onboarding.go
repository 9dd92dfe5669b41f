package web

import "github.com/gofiber/fiber/v2"

// organisationSettingsPath is where the organisation's name is set (the
// settings page).
const organisationSettingsPath = "/admin/settings"

// organisationNamed reports whether the organisation has a name of its
// own: the issuer on certificates is not just the base URL's host, the
// stand-in when none is configured. This is the one place the checklist
// asks; it moves to the stored setting when the name does.
func (s *server) organisationNamed(c *fiber.Ctx) bool {
	return s.organisation(c.UserContext()).Name != ""
}

// checkStep is one step of the getting-started checklist.
type checkStep struct {
	Key  string // message keys checklist.<Key> and checklist.<Key>_text
	Href string // the page that does it
	Done bool
}

// checklist is the admin start page's getting-started list; it folds
// away (a closed <details>) once every step is done.
type checklist struct {
	Steps   []checkStep
	DoneNum int
	AllDone bool
}

// onboardingChecklist counts the steps from the stored data.
func (s *server) onboardingChecklist(c *fiber.Ctx) (*checklist, error) {
	o, err := s.app.Onboarding(c.UserContext())
	if err != nil {
		return nil, err
	}
	cl := &checklist{Steps: []checkStep{
		{Key: "organisation", Href: organisationSettingsPath, Done: s.organisationNamed(c)},
		{Key: "people", Href: "/admin#import-h", Done: o.People > 0},
		{Key: "assign", Href: "/hr#assignments", Done: o.Assignments > 0},
		{Key: "invite", Href: "/hr?status=invited#people", Done: o.InvitationsSent > 0 || o.Joined > 0},
	}}
	for _, st := range cl.Steps {
		if st.Done {
			cl.DoneNum++
		}
	}
	cl.AllDone = cl.DoneNum == len(cl.Steps)
	return cl, nil
}
