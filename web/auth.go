package web

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
)

// credentials is the login input.
type credentials struct {
	Email    string `json:"email" form:"email"`
	Password string `json:"password" form:"password"`
}

// decodeJSON parses a JSON request body into v.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return &errs.Error{Kind: errs.Invalid, Code: "unsupported_media_type", Message: "Send the body as application/json."}
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &errs.Error{Kind: errs.Invalid, Code: "invalid_json", Message: "A field has the wrong type.",
				Fields: map[string]string{te.Field: "wrong type, want " + te.Type.String()}}
		}
		return errs.New(errs.Invalid, "invalid_json", "The body is not valid JSON.")
	}
	return nil
}

// loginKey identifies an account for throttling without storing its email.
func loginKey(email string) []byte { return app.LoginKey(email) }

// clientAddr is the client's address for throttling: with trusted proxies,
// the last X-Forwarded-For entry (the one the nearest proxy appended; a
// client can put anything before it), else the connection's address.
func (s *server) clientAddr(c *fiber.Ctx) string {
	if ips := c.IPs(); len(ips) > 0 && len(s.cfg.TrustedProxies) > 0 && c.IsProxyTrusted() {
		return strings.TrimSpace(ips[len(ips)-1])
	}
	return c.IP()
}

// authenticate checks credentials (app.AuthenticateFrom) with the client
// address, which only the handler knows, for the per-address limit.
func (s *server) authenticate(c *fiber.Ctx, cr credentials) (app.User, error) {
	u, err := s.app.AuthenticateFrom(c.UserContext(), cr.Email, cr.Password, s.clientAddr(c))
	if err == nil {
		err = s.passwordAllowed(u) // --password-login=false
	}
	return u, err
}

// confirmPassword checks a logged-in account's own password before a
// destructive step (app.ConfirmPassword).
func (s *server) confirmPassword(c *fiber.Ctx, u *app.User, password string) (bool, error) {
	return s.app.ConfirmPassword(c.UserContext(), *u, password)
}

// startSession creates a session and returns its token and expiry; a
// browser session also gets its cookie and a new CSRF token.
func (s *server) startSession(c *fiber.Ctx, userID int64, kind string) (string, time.Time, error) {
	token, exp, err := s.app.StartSession(c.UserContext(), userID, kind, s.cfg.SessionTTL)
	if err != nil {
		return "", exp, err
	}
	if kind == app.SessionBrowser {
		c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: token, Path: "/", Expires: exp,
			HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
		// A new session gets a new CSRF token: one seen before the login
		// (possibly planted) is worthless afterwards.
		s.issueCSRF(c, auth.HashToken(token))
	}
	return token, exp, nil
}

// endSession deletes the caller's session and its cookie, and gives a
// browser a new CSRF token for the visitor it is now.
func (s *server) endSession(c *fiber.Ctx) error {
	if h, ok := c.Locals(localSession).([]byte); ok {
		s.sessions.drop(h)
		if err := s.app.DeleteSession(c.UserContext(), h); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	if b, _ := c.Locals(localBearer).(bool); !b {
		s.issueCSRF(c, nil) // the session's token dies with it
	}
	return nil
}

// register validates and creates an employee account (app.Register).
func (s *server) register(c *fiber.Ctx, r *auth.Registration) (int64, error) {
	return s.app.Register(c.UserContext(), *r, langOf(c))
}

// --- JSON API ---

func (s *server) apiRegister(c *fiber.Ctx) error {
	var r auth.Registration
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	id, err := s.register(c, &r)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

func (s *server) apiLogin(c *fiber.Ctx) error {
	var cr credentials
	if err := decodeJSON(c, &cr); err != nil {
		return err
	}
	u, err := s.authenticate(c, cr)
	if err != nil {
		return err
	}
	token, exp, err := s.startSession(c, u.ID, app.SessionAPI)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": token, "expires_at": exp.UTC().Format(time.RFC3339)})
}

func (s *server) apiLogout(c *fiber.Ctx) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// profile is the contract's view of an account.
type profile struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

func (s *server) apiMe(c *fiber.Ctx) error {
	u := currentUser(c)
	return c.JSON(profile{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Department: u.Department})
}

// --- HTML forms ---

func (s *server) loginPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	next := safeNext(c.Query("next"))
	return s.render(c, fiber.StatusOK, "login", "login.title", &form{Values: map[string]string{"next": next}}, s.loginData(next))
}

func (s *server) loginForm(c *fiber.Ctx) error {
	cr := credentials{Email: c.FormValue("email"), Password: c.FormValue("password")}
	next := safeNext(c.FormValue("next"))
	u, err := s.authenticate(c, cr)
	if err != nil {
		e := errs.As(err)
		if e == nil {
			return err
		}
		f := &form{Values: map[string]string{"email": cr.Email, "next": next}, Message: "login.failed"}
		status := fiber.StatusUnauthorized
		if e.Kind == errs.Throttled {
			f.Message, status = "login.throttled", fiber.StatusTooManyRequests
		}
		if errors.Is(err, app.ErrPasswordLoginOff) {
			f.Message = "sso.password_off"
		}
		return s.render(c, status, "login", "login.title", f, s.loginData(next))
	}
	if pick := c.FormValue("lang"); validLang(pick) && pick != u.Lang {
		if err := s.app.SetLanguage(c.UserContext(), u.ID, pick); err != nil { // chosen on the login page
			return err
		}
	}
	if _, _, err := s.startSession(c, u.ID, app.SessionBrowser); err != nil {
		return err
	}
	if start := staffStart(u.Role); next == "/" && start != "" {
		next = start // HR and admins land on their own start page
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *server) registerPage(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	v, err := s.registerView(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "register", "register.title", nil, v)
}

// registerView is the registration page: whether it is open and the
// admin-kept departments to pick from (none listed: no department field).
type registerView struct {
	Open        bool
	Departments []string
}

func (s *server) registerView(c *fiber.Ctx) (registerView, error) {
	v := registerView{Open: s.cfg.Registration}
	if !v.Open {
		return v, nil
	}
	list, err := s.app.DepartmentList(c.UserContext())
	if err != nil {
		return v, err
	}
	for _, d := range list {
		v.Departments = append(v.Departments, d.Name)
	}
	return v, nil
}

// formErrors turns a validation error into a form to show again; other
// errors are returned for the error handler.
func formErrors(err error, values map[string]string) (*form, error) {
	e := errs.As(err)
	if e == nil || (e.Kind != errs.Invalid && e.Kind != errs.Conflict) {
		return nil, err
	}
	f := &form{Values: values, Errors: map[string]string{}, Message: "form.error"}
	for k, v := range e.Fields {
		f.Errors[k] = v
	}
	if e.Code == "email_taken" {
		f.Errors["email"] = "email_taken"
	}
	return f, nil
}

func (s *server) registerForm(c *fiber.Ctx) error {
	r := auth.Registration{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password"),
		Department: c.FormValue("department")}
	values := map[string]string{"name": r.Name, "email": r.Email, "department": r.Department}
	id, err := s.register(c, &r)
	if err != nil {
		unknownDept := errs.As(err) != nil && errs.As(err).Code == "unknown_department"
		f, err := formErrors(err, values)
		if err != nil {
			return err
		}
		if unknownDept { // the registration's own words: the assignment's would speak of people in it
			f.Errors["department"], f.Message = "unknown_registration_department", "register.unknown_department"
		}
		v, err := s.registerView(c)
		if err != nil {
			return err
		}
		return s.render(c, fiber.StatusBadRequest, "register", "register.title", f, v)
	}
	if _, _, err := s.startSession(c, id, app.SessionBrowser); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (s *server) logoutForm(c *fiber.Ctx) error {
	provider := s.providerLogoutURL(c) // before the session and its ID token end
	if err := s.endSession(c); err != nil {
		return err
	}
	if provider != "" {
		return s.renderProviderLogout(c, provider)
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// setupValid reports whether the setup token may still create the first admin.
func (s *server) setupValid(c *fiber.Ctx, token string) (bool, error) {
	return s.app.SetupValid(c.UserContext(), token)
}

// setupView is the first-run page: the admin account and the
// organisation (OK is false for an invalid link).
type setupView struct {
	OK    bool
	Org   app.Organisation
	MaxKB int
}

func (s *server) renderSetup(c *fiber.Ctx, status int, f *form, ok bool) error {
	return s.render(c, status, "setup", "setup.title", f, setupView{OK: ok, Org: s.organisation(c.UserContext()), MaxKB: app.MaxLogoBytes >> 10})
}

func (s *server) setupPage(c *fiber.Ctx) error {
	token := c.Query("token")
	ok, err := s.setupValid(c, token)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if !ok {
		status = fiber.StatusNotFound
	}
	o := s.organisation(c.UserContext())
	return s.renderSetup(c, status, &form{Values: map[string]string{"token": token, "org_name": o.Name, "privacy_contact": o.PrivacyContact, "dpo": o.DPO}}, ok)
}

func (s *server) setupForm(c *fiber.Ctx) error {
	token := c.FormValue("token")
	r := auth.Registration{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password"),
		Department: c.FormValue("department")}
	ok, err := s.setupValid(c, token)
	if err != nil {
		return err
	}
	if !ok {
		return s.renderSetup(c, fiber.StatusNotFound, nil, false)
	}
	org, values, err := readOrgInput(c)
	values["name"], values["email"], values["department"], values["token"] = r.Name, r.Email, r.Department, token
	var id int64
	if err == nil {
		id, err = s.app.SetUp(c.UserContext(), token, r, langOf(c), org)
	}
	if err != nil {
		f, err := formErrors(err, values)
		if err != nil {
			return err
		}
		return s.renderSetup(c, fiber.StatusBadRequest, f, true)
	}
	s.log.Info("first admin created", "user_id", id)
	if _, _, err := s.startSession(c, id, app.SessionBrowser); err != nil {
		return err
	}
	return c.Redirect("/me", fiber.StatusSeeOther)
}
