package web

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
)

// assignmentAllowed reports whether an HR account limited to departments
// (scope not nil) may see or change an assignment: only those for its
// departments or for people in them.
func assignmentAllowed(scope []string, a app.Assignment, personDept string) bool {
	switch {
	case scope == nil:
		return true
	case a.Scope == app.ScopeDepartment:
		return slices.Contains(scope, a.Department)
	case a.Scope == app.ScopeUser:
		return slices.Contains(scope, personDept)
	}
	return false
}

// visibleAssignments lists the assignments the caller may see.
func (s *server) visibleAssignments(c *fiber.Ctx) ([]app.Assignment, map[int64]app.User, error) {
	scope, err := s.scope(c)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.store.Assignments(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	people := map[int64]app.User{}
	var out []app.Assignment
	for _, a := range list {
		if a.Scope == app.ScopeUser {
			if _, ok := people[a.UserID]; !ok {
				u, err := s.store.UserByID(c.UserContext(), a.UserID)
				if err != nil && errs.KindOf(err) != errs.NotFound {
					return nil, nil, err
				}
				people[a.UserID] = u
			}
		}
		if assignmentAllowed(scope, a, people[a.UserID].Department) {
			out = append(out, a)
		}
	}
	return out, people, nil
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

// newAssignment validates an assignment from the API or the form. person is
// an email address that selects the account for scope "user" when userID is 0.
func (s *server) newAssignment(c *fiber.Ctx, in assignmentIn, person string) (app.Assignment, error) {
	scope, err := s.scope(c)
	if err != nil {
		return app.Assignment{}, err
	}
	fields := map[string]string{}
	if _, ok := s.catalog().Course(in.Course); !ok {
		fields["course"] = "unknown"
	}
	a := app.Assignment{CourseID: in.Course, Scope: in.Scope, CreatedBy: currentUser(c).ID}
	personDept := ""
	switch in.Scope {
	case app.ScopeAll:
		if scope != nil {
			fields["scope"] = "not_allowed"
		}
	case app.ScopeDepartment:
		a.Department = auth.CleanName(in.Department)
		if why := auth.CheckName(a.Department, true, 100); why != "" {
			fields["department"] = why
		} else if scope != nil && !slices.Contains(scope, a.Department) {
			fields["department"] = "not_allowed"
		}
	case app.ScopeUser:
		u, err := s.assignee(c, in.UserID, person)
		if err != nil {
			if errs.KindOf(err) != errs.NotFound {
				return a, err
			}
			fields[map[bool]string{true: "user_id", false: "person"}[person == ""]] = "unknown"
		}
		a.UserID, personDept = u.ID, u.Department
		if err == nil && scope != nil && !slices.Contains(scope, personDept) {
			fields[map[bool]string{true: "user_id", false: "person"}[person == ""]] = "unknown"
		}
	default:
		fields["scope"] = "invalid"
	}
	due, err := parseDue(in.DueAt)
	if err != nil {
		fields["due_at"] = "invalid"
	}
	a.DueAt = due
	if len(fields) > 0 {
		return a, auth.InputError(fields)
	}
	return a, nil
}

// assignee finds the person of a personal assignment by id or email.
func (s *server) assignee(c *fiber.Ctx, id int64, email string) (app.User, error) {
	if email != "" {
		return s.store.UserByEmail(c.UserContext(), auth.NormalizeEmail(email))
	}
	return s.store.UserByID(c.UserContext(), id)
}

// createAssignment stores a validated assignment and audits it.
func (s *server) createAssignment(c *fiber.Ctx, a app.Assignment) (int64, error) {
	id, err := s.store.CreateAssignment(c.UserContext(), a)
	if err != nil {
		return 0, err
	}
	detail := "id=" + itoa(id) + " course=" + quoteDetail(a.CourseID) + " scope=" + a.Scope + " due=" + a.DueAt.UTC().Format("2006-01-02")
	if a.Scope == app.ScopeDepartment {
		detail += " department=" + quoteDetail(a.Department)
	}
	return id, s.store.Audit(c.UserContext(), actorOf(currentUser(c)), "assignment.created", a.UserID, detail)
}

// deleteAssignment removes an assignment the caller may see.
func (s *server) deleteAssignment(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	notFound := errs.New(errs.NotFound, "not_found", "No such assignment.")
	if err != nil || id <= 0 {
		return notFound
	}
	list, _, err := s.visibleAssignments(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(a app.Assignment) bool { return a.ID == id })
	if i < 0 {
		return notFound
	}
	if err := s.store.DeleteAssignment(c.UserContext(), id); err != nil {
		return err
	}
	return s.store.Audit(c.UserContext(), actorOf(currentUser(c)), "assignment.deleted", list[i].UserID, "id="+itoa(id))
}

// assignForm creates an assignment from the dashboard's form.
func (s *server) assignForm(c *fiber.Ctx) error {
	in := assignmentIn{Course: c.FormValue("course"), Scope: c.FormValue("scope"), Department: c.FormValue("department"), DueAt: c.FormValue("due_at")}
	a, err := s.newAssignment(c, in, c.FormValue("person"))
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		v, verr := s.hrView(c)
		if verr != nil {
			return verr
		}
		f := &form{Values: map[string]string{"course": in.Course, "scope": in.Scope, "department": in.Department, "due_at": in.DueAt,
			"person": c.FormValue("person")}, Errors: e.Fields, Message: "hr.assign_invalid"}
		return s.render(c, fiber.StatusBadRequest, "hr", "hr.title", f, v)
	}
	if err != nil {
		return err
	}
	if _, err := s.createAssignment(c, a); err != nil {
		return err
	}
	return c.Redirect("/hr?course="+url.QueryEscape(a.CourseID)+"&assigned=1#assignments", fiber.StatusSeeOther)
}

func (s *server) unassignForm(c *fiber.Ctx) error {
	if err := s.deleteAssignment(c); err != nil {
		return err
	}
	return c.Redirect("/hr#assignments", fiber.StatusSeeOther)
}
