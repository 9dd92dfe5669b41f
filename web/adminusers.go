package web

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/people"
)

// adminPageSize is the number of accounts per page of the admin list.
const adminPageSize = 50

type adminUsersView struct {
	Q, Department, Role string
	Users               []app.User
	Total, Page, Pages  int
	PrevHref, NextHref  string
	Departments         []string
	Roles               []string
	Created             *inviteLink // shown once after creating an account
	Checklist           *checklist  // getting started
}

type inviteLink struct {
	Email, Link string
}

// adminPage lists accounts with search, filters and paging, and offers the
// forms to create one and to upload a CSV import.
func (s *server) adminPage(c *fiber.Ctx) error {
	return s.renderAdminUsers(c, fiber.StatusOK, nil, nil)
}

func (s *server) renderAdminUsers(c *fiber.Ctx, status int, f *form, created *inviteLink) error {
	v := adminUsersView{Q: strings.TrimSpace(c.Query("q")), Department: c.Query("department"), Role: c.Query("role"),
		Roles: []string{app.RoleEmployee, app.RoleHR, app.RoleAdmin}, Created: created}
	v.Page, _ = strconv.Atoi(c.Query("page"))
	v.Page = max(v.Page, 1)
	var err error
	v.Users, v.Total, err = s.app.ListUsers(c.UserContext(), app.UserFilter{Query: v.Q, Department: v.Department, Role: v.Role,
		Limit: adminPageSize, Offset: (v.Page - 1) * adminPageSize})
	if err != nil {
		return err
	}
	v.Pages = max(1, (v.Total+adminPageSize-1)/adminPageSize)
	link := func(page int) string {
		q := url.Values{"q": {v.Q}, "department": {v.Department}, "role": {v.Role}, "page": {strconv.Itoa(page)}}
		return "/admin?" + q.Encode() + "#users"
	}
	if v.Page > 1 {
		v.PrevHref = link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextHref = link(v.Page + 1)
	}
	if v.Departments, err = s.app.Departments(c.UserContext()); err != nil {
		return err
	}
	if v.Checklist, err = s.onboardingChecklist(c); err != nil {
		return err
	}
	return s.render(c, status, "admin", "admin.title", f, v)
}

// accountForm reads and checks the account fields of the create and edit
// forms.
func accountForm(c *fiber.Ctx) (name, dept, role string, f *form) {
	f = &form{Values: map[string]string{"email": c.FormValue("email"), "name": c.FormValue("name"), "department": c.FormValue("department"),
		"role": c.FormValue("role"), "hr_departments": c.FormValue("hr_departments")}, Errors: map[string]string{}}
	name, dept, role = auth.CleanName(c.FormValue("name")), auth.CleanName(c.FormValue("department")), c.FormValue("role")
	if code := auth.CheckName(name, true, 100); code != "" {
		f.Errors["name"] = code
	}
	if code := auth.CheckName(dept, false, 100); code != "" {
		f.Errors["department"] = code
	}
	if !app.ValidRole(role) {
		f.Errors["role"] = "invalid"
	}
	return name, dept, role, f
}

// createUserForm creates an account with an invitation link, shown once.
func (s *server) createUserForm(c *fiber.Ctx) error {
	name, dept, role, f := accountForm(c)
	email := auth.NormalizeEmail(c.FormValue("email"))
	if code := auth.CheckEmail(email); code != "" {
		f.Errors["email"] = code
	}
	if len(f.Errors) > 0 {
		f.Message = "form.error"
		return s.renderAdminUsers(c, fiber.StatusBadRequest, f, nil)
	}
	token, err := s.app.Invite(c.UserContext(), *currentUser(c), app.NewUser{Email: email, Name: name, Department: dept, Role: role, Lang: langOf(c)})
	if e := errs.As(err); e != nil && e.Code == "email_taken" {
		f.Errors["email"] = "email_taken"
		f.Message = "form.error"
		return s.renderAdminUsers(c, fiber.StatusConflict, f, nil)
	}
	if err != nil {
		return err
	}
	return s.renderAdminUsers(c, fiber.StatusCreated, nil, &inviteLink{Email: email, Link: s.inviteURL(token)})
}

func (s *server) inviteURL(token string) string {
	return s.cfg.BaseURL.String() + "/invite?token=" + url.QueryEscape(token)
}

// userID reads the :id parameter; anything else than a positive number is
// a missing account.
func userID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "not_found", "No such account.")
	}
	return id, nil
}

type adminUserView struct {
	Account       app.User
	HRDepartments string
	Departments   []string // the list to pick from
	Audit         []app.AuditEntry
	ResetLink     string
	Roles         []string
	Self          bool
}

// adminUserPage shows one account with the edit, reset and erase forms and
// the audit entries about it.
func (s *server) adminUserPage(c *fiber.Ctx) error {
	return s.renderAdminUser(c, fiber.StatusOK, nil, "")
}

func (s *server) renderAdminUser(c *fiber.Ctx, status int, f *form, resetLink string) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	u, err := s.app.UserByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	depts, err := s.app.HRDepartments(c.UserContext(), id)
	if err != nil {
		return err
	}
	entries, _, err := s.app.AuditLog(c.UserContext(), app.AuditFilter{SubjectID: id, Limit: 50})
	if err != nil {
		return err
	}
	all, err := s.app.Departments(c.UserContext())
	if err != nil {
		return err
	}
	v := adminUserView{Account: u, HRDepartments: strings.Join(depts, ", "), Departments: all, Audit: entries, ResetLink: resetLink,
		Roles: []string{app.RoleEmployee, app.RoleHR, app.RoleAdmin}, Self: id == currentUser(c).ID}
	return s.render(c, status, "admin_user", "admin.user_title", f, v)
}

// updateUserForm saves an admin's edit of an account. Deactivating ends the
// account's sessions at once.
func (s *server) updateUserForm(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	name, dept, role, f := accountForm(c)
	email := auth.NormalizeEmail(c.FormValue("email"))
	if email != "" {
		if code := auth.CheckEmail(email); code != "" {
			f.Errors["email"] = code
		}
	}
	var hrDepts []string
	for _, d := range strings.Split(c.FormValue("hr_departments"), ",") {
		if d = auth.CleanName(d); d != "" {
			if code := auth.CheckName(d, false, 100); code != "" {
				f.Errors["hr_departments"] = code
			}
			hrDepts = append(hrDepts, d)
		}
	}
	if len(f.Errors) > 0 {
		f.Message = "form.error"
		return s.renderAdminUser(c, fiber.StatusBadRequest, f, "")
	}
	err = s.app.UpdateAccount(c.UserContext(), *currentUser(c), id, app.AccountChange{Email: email, Name: name, Department: dept, Role: role,
		Active: c.FormValue("active") == "on", HRDepartments: hrDepts})
	if e := errs.As(err); e != nil && e.Code == "last_admin" {
		return s.renderAdminUser(c, fiber.StatusConflict, &form{Values: f.Values, Errors: map[string]string{}, Message: "admin.last_admin"}, "")
	}
	if e := errs.As(err); e != nil && e.Code == "email_taken" {
		f.Errors["email"], f.Message = "email_taken", "form.error"
		return s.renderAdminUser(c, fiber.StatusConflict, f, "")
	}
	if err != nil {
		return err
	}
	s.sessions.dropUser(id)
	s.setFlash(c, flash("flash.account_saved"))
	return c.Redirect("/admin/users/"+itoa(id), fiber.StatusSeeOther)
}

// resetUserForm makes a one-time password-reset link and shows it once.
func (s *server) resetUserForm(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	token, err := s.app.ResetLink(c.UserContext(), *currentUser(c), id)
	if err != nil {
		if e := errs.As(err); e != nil && e.Code == "inactive" {
			return s.renderAdminUser(c, fiber.StatusConflict, &form{Message: "admin.inactive"}, "")
		}
		return err
	}
	return s.renderAdminUser(c, fiber.StatusOK, nil, s.inviteURL(token))
}

// eraseUserForm erases an account for a request received by other means;
// the admin ticks that they understand it cannot be undone, confirms with
// their own password and chooses what happens to the certificates.
func (s *server) eraseUserForm(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	admin := currentUser(c)
	if id == admin.ID {
		return s.renderAdminUser(c, fiber.StatusConflict, &form{Message: "admin.erase_self"}, "")
	}
	if !confirmed(c) {
		return s.renderAdminUser(c, fiber.StatusBadRequest, notConfirmed(), "")
	}
	keep := c.FormValue("certificates") != "revoke"
	err = s.app.Erase(c.UserContext(), *admin, id, c.FormValue("password"), keep)
	switch e := errs.As(err); {
	case e != nil && e.Code == "wrong_password":
		return s.renderAdminUser(c, fiber.StatusBadRequest, &form{Errors: map[string]string{"password": "wrong_password"}, Message: "me.wrong_password"}, "")
	case e != nil && e.Code == "last_admin":
		return s.renderAdminUser(c, fiber.StatusConflict, &form{Message: "admin.last_admin"}, "")
	case err != nil:
		return err
	}
	s.sessions.dropUser(id)
	s.statusCache.drop()
	s.log.Info("account erased by an administrator", "by_user_id", admin.ID, "kept_certificates", keep)
	s.setFlash(c, flash("flash.account_erased"))
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

type importView struct {
	Problems []people.Problem
	More     int
	Invites  []inviteLink
	Updated  int
}

// importForm imports a CSV upload: every row is checked first; any bad row
// imports nothing and lists the problems by line.
func (s *server) importForm(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return s.renderAdminUsers(c, fiber.StatusBadRequest, &form{Message: "admin.import_nofile"}, nil)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	rows, problems := people.Parse(f)
	if len(problems) > 0 {
		v := importView{Problems: problems}
		if len(problems) > 200 {
			v.Problems, v.More = problems[:200], len(problems)-200
		}
		return s.render(c, fiber.StatusBadRequest, "admin_import", "admin.import_title", nil, v)
	}
	in := make([]app.ImportRow, len(rows))
	for i, r := range rows {
		in[i] = app.ImportRow{Email: r.Email, Name: r.Name, Department: r.Department, Role: r.Role}
	}
	done, err := s.app.Import(c.UserContext(), actorOf(currentUser(c)), in, nil)
	if err != nil {
		return err
	}
	v := importView{Updated: done.Updated}
	for _, inv := range done.Invites {
		v.Invites = append(v.Invites, inviteLink{Email: inv.Email, Link: s.inviteURL(inv.Token)})
	}
	return s.render(c, fiber.StatusOK, "admin_import", "admin.import_title", nil, v)
}

// invitesCSV is the invitation links of an import as CSV text for copying.
func (v importView) InvitesCSV() string {
	var b bytes.Buffer
	b.WriteString("email,invitation_link\n")
	for _, i := range v.Invites {
		b.WriteString(i.Email + "," + i.Link + "\n")
	}
	return b.String()
}

type auditView struct {
	Entries            []app.AuditEntry
	Total, Page, Pages int
	Action             string
	PrevHref, NextHref string
}

// auditPage shows the audit log, newest first.
func (s *server) auditPage(c *fiber.Ctx) error {
	v := auditView{Action: c.Query("action")}
	v.Page, _ = strconv.Atoi(c.Query("page"))
	v.Page = max(v.Page, 1)
	var err error
	v.Entries, v.Total, err = s.app.AuditLog(c.UserContext(), app.AuditFilter{Action: v.Action, Limit: 100, Offset: (v.Page - 1) * 100})
	if err != nil {
		return err
	}
	v.Pages = max(1, (v.Total+99)/100)
	link := func(p int) string {
		return "/admin/audit?" + url.Values{"action": {v.Action}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if v.Page > 1 {
		v.PrevHref = link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextHref = link(v.Page + 1)
	}
	return s.render(c, fiber.StatusOK, "admin_audit", "admin.audit_title", nil, v)
}
