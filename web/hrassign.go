package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// visibleAssignments lists the assignments the caller may see.
func (s *server) visibleAssignments(c *fiber.Ctx) ([]app.Assignment, map[int64]app.User, error) {
	return s.app.Assignments(c.UserContext(), *currentUser(c))
}

func (s *server) assignmentViews(c *fiber.Ctx) ([]assignmentView, error) {
	list, people, err := s.visibleAssignments(c)
	if err != nil {
		return nil, err
	}
	lang := langOf(c)
	out := []assignmentView{}
	for _, a := range list {
		av := assignmentView{Assignment: a, CourseTitle: a.CourseID}
		if co, ok := s.catalog().Course(a.CourseID); ok {
			av.CourseTitle = co.Title.Get(lang)
		}
		if a.Scope == app.ScopeUser && !s.cfg.AggregateOnly {
			av.Person = people[a.UserID].Name
		}
		out = append(out, av)
	}
	return out, nil
}

// assign checks and stores an assignment (app.Assign). person is an email
// address that selects the account for scope "user" when UserID is 0.
func (s *server) assign(c *fiber.Ctx, in assignmentIn, person string) (app.Assignment, error) {
	return s.app.Assign(c.UserContext(), *currentUser(c), app.AssignmentInput{Course: in.Course, Scope: in.Scope,
		Department: in.Department, UserID: in.UserID, Person: person, DueAt: in.DueAt, ConfirmPastDue: in.ConfirmPastDue})
}

// deleteAssignment removes an assignment the caller may see.
func (s *server) deleteAssignment(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		id = 0 // not found
	}
	return s.app.Unassign(c.UserContext(), *currentUser(c), id)
}

// assignForm creates an assignment from the dashboard's form.
func (s *server) assignForm(c *fiber.Ctx) error {
	in := assignmentIn{Course: c.FormValue("course"), Scope: c.FormValue("scope"), Department: c.FormValue("department"), DueAt: c.FormValue("due_at"),
		ConfirmPastDue: c.FormValue("confirm_past_due") == "1"}
	a, err := s.assign(c, in, c.FormValue("person"))
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		v, verr := s.hrView(c)
		if verr != nil {
			return verr
		}
		v.PastDue = e.Fields["due_at"] == "past_needs_confirmation"
		f := &form{Values: map[string]string{"course": in.Course, "scope": in.Scope, "department": in.Department, "due_at": in.DueAt,
			"person": c.FormValue("person")}, Errors: e.Fields, Message: "hr.assign_invalid"}
		return s.render(c, fiber.StatusBadRequest, "hr", "hr.title", f, v)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, flash("flash.assigned"))
	return c.Redirect("/hr?course="+url.QueryEscape(a.CourseID), fiber.StatusSeeOther) // the flash is at the top

}

func (s *server) unassignForm(c *fiber.Ctx) error {
	if err := s.deleteAssignment(c); err != nil {
		return err
	}
	s.setFlash(c, flash("flash.unassigned"))
	return c.Redirect("/hr", fiber.StatusSeeOther)
}
