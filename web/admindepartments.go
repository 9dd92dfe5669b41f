package web

import (
	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
)

type departmentOut struct {
	Name   string `json:"name"`
	People int    `json:"people"`
}

// apiDepartments lists the departments (HR and admins).
func (s *server) apiDepartments(c *fiber.Ctx) error {
	list, err := s.app.DepartmentList(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]departmentOut, 0, len(list))
	for _, d := range list {
		out = append(out, departmentOut{Name: d.Name, People: d.People})
	}
	return c.JSON(out)
}

// apiCreateDepartment answers POST /api/v1/admin/departments {name}.
func (s *server) apiCreateDepartment(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.app.CreateDepartment(c.UserContext(), *currentUser(c), in.Name); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusCreated)
}

// apiRenameDepartment answers POST /api/v1/admin/departments/rename {from, to}.
func (s *server) apiRenameDepartment(c *fiber.Ctx) error {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.app.RenameDepartment(c.UserContext(), *currentUser(c), in.From, in.To); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type mergeIn struct {
	From string `json:"from"`
	Into string `json:"into"`
}

// apiMergeDepartments answers POST /api/v1/admin/departments/merge with
// {from, into} or {merges: [{from, into}, ...]}.
func (s *server) apiMergeDepartments(c *fiber.Ctx) error {
	var in struct {
		mergeIn
		Merges []mergeIn `json:"merges"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var merges []app.Merge
	if in.From != "" || in.Into != "" {
		merges = append(merges, app.Merge{From: in.From, Into: in.Into})
	}
	for _, m := range in.Merges {
		merges = append(merges, app.Merge{From: m.From, Into: m.Into})
	}
	moved, err := s.app.MergeDepartments(c.UserContext(), *currentUser(c), merges)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"moved": moved})
}

// departmentsView is the admin page of the list. What a form did is said
// by the flash on the page after the redirect.
type departmentsView struct {
	List []app.DepartmentInfo
}

func (s *server) adminDepartmentsPage(c *fiber.Ctx) error {
	return s.renderDepartments(c, fiber.StatusOK, nil)
}

func (s *server) renderDepartments(c *fiber.Ctx, status int, f *form) error {
	list, err := s.app.DepartmentList(c.UserContext())
	if err != nil {
		return err
	}
	v := departmentsView{List: list}
	return s.render(c, status, "admin_departments", "admin.departments", f, v)
}

// departmentForm handles the page's three forms (create, rename, merge):
// a refusal shows the page again with the reason.
func (s *server) departmentForm(c *fiber.Ctx) error {
	by := *currentUser(c)
	ctx := c.UserContext()
	var err error
	done, moved := c.FormValue("op"), 0
	switch done {
	case "create":
		err = s.app.CreateDepartment(ctx, by, c.FormValue("name"))
	case "rename":
		err = s.app.RenameDepartment(ctx, by, c.FormValue("from"), c.FormValue("to"))
	case "merge":
		if !confirmed(c) {
			f := notConfirmed()
			f.Values = map[string]string{"op": done, "from": c.FormValue("from"), "into": c.FormValue("into")}
			return s.renderDepartments(c, fiber.StatusBadRequest, f)
		}
		moved, err = s.app.MergeDepartments(ctx, by, []app.Merge{{From: c.FormValue("from"), Into: c.FormValue("into")}})
	default:
		err = errs.Field("op", "invalid")
	}
	if e := errs.As(err); e != nil && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		msg := "department." + e.Code
		return s.renderDepartments(c, fiber.StatusBadRequest, &form{Values: map[string]string{"op": done, "name": c.FormValue("name"),
			"from": c.FormValue("from"), "to": c.FormValue("to"), "into": c.FormValue("into")}, Errors: e.Fields, Message: msg})
	}
	if err != nil {
		return err
	}
	switch done {
	case "create":
		s.setFlash(c, flash("flash.department_created"))
	case "rename":
		s.setFlash(c, flash("flash.department_renamed"))
	case "merge":
		s.setFlash(c, flash("flash.department_merged", moved))
	}
	return c.Redirect("/admin/departments", fiber.StatusSeeOther)
}
