package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/errs"
)

// myData is the export of everything stored about the caller (Art. 15 and
// 20 GDPR).
type myData struct {
	ExportedAt    string           `json:"exported_at"`
	Profile       myProfile        `json:"profile"`
	Progress      []myProgress     `json:"progress"`
	Attempts      []myAttempt      `json:"attempts"`
	Certificates  []certificateOut `json:"certificates"`
	Audit         []app.AuditEntry `json:"audit"`                    // audit entries about the caller or by them
	Assignments   []assignmentOut  `json:"assignments"`              // assignments naming the caller
	HRDepartments []string         `json:"hr_departments,omitempty"` // an HR account's department limit
	LastReminded  string           `json:"last_reminded,omitempty"`
	Sessions      []mySession      `json:"sessions"`
}

type mySession struct {
	Kind      string `json:"kind"`
	CreatedAt string `json:"created_at"`
	LastSeen  string `json:"last_seen_at"`
	ExpiresAt string `json:"expires_at"`
}

type myProfile struct {
	profile
	Language  string `json:"language"`
	CreatedAt string `json:"created_at"`
}

type myProgress struct {
	Course   string `json:"course"`
	Module   string `json:"module"`
	PassedAt string `json:"passed_at"`
}

type myAttempt struct {
	ID             string          `json:"id"`
	Course         string          `json:"course"`
	Module         string          `json:"module,omitempty"`
	Kind           string          `json:"kind"`
	Language       string          `json:"language"`
	ContentVersion string          `json:"content_version"`
	StartedAt      string          `json:"started_at"`
	ExpiresAt      string          `json:"expires_at,omitempty"`
	SubmittedAt    string          `json:"submitted_at,omitempty"`
	ScorePercent   *int            `json:"score_percent,omitempty"`
	Passed         *bool           `json:"passed,omitempty"`
	Questions      json.RawMessage `json:"questions"`
	Answers        json.RawMessage `json:"answers,omitempty"`
	Result         json.RawMessage `json:"result,omitempty"`
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rfc3339(t)
}

// exportMe sends the caller's data as a JSON download.
func (s *server) exportMe(c *fiber.Ctx) error {
	ex, err := s.app.ExportUser(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	u := ex.User
	out := myData{ExportedAt: rfc3339(s.now()), Progress: []myProgress{}, Attempts: []myAttempt{}, Certificates: []certificateOut{}, Audit: ex.Audit,
		Profile: myProfile{profile: profile{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Department: u.Department},
			Language: u.Lang, CreatedAt: rfc3339(time.Unix(u.CreatedAt, 0))}}
	out.Assignments, out.Sessions, out.HRDepartments, out.LastReminded = []assignmentOut{}, []mySession{}, ex.HRDepartments, optTime(ex.LastReminded)
	for _, a := range ex.Assignments {
		out.Assignments = append(out.Assignments, assignmentOut{ID: a.ID, Course: a.CourseID, Scope: a.Scope, UserID: a.UserID,
			DueAt: rfc3339(a.DueAt), CreatedAt: rfc3339(a.CreatedAt)})
	}
	for _, si := range ex.Sessions {
		out.Sessions = append(out.Sessions, mySession{Kind: si.Kind, CreatedAt: rfc3339(si.CreatedAt), LastSeen: rfc3339(si.LastSeen), ExpiresAt: rfc3339(si.ExpiresAt)})
	}
	for _, p := range ex.ModulePasses {
		out.Progress = append(out.Progress, myProgress{Course: p.CourseID, Module: p.ModuleID, PassedAt: rfc3339(p.PassedAt)})
	}
	for _, a := range ex.Attempts {
		ma := myAttempt{ID: a.ID, Course: a.CourseID, Module: a.ModuleID, Kind: a.Kind, Language: a.Lang, ContentVersion: a.ContentVersion,
			StartedAt: rfc3339(a.StartedAt), ExpiresAt: optTime(a.ExpiresAt), SubmittedAt: optTime(a.SubmittedAt),
			Questions: json.RawMessage(a.Questions), Answers: rawOrNil(a.Answers), Result: rawOrNil(a.Result)}
		if !a.Open() {
			score, passed := a.ScorePercent, a.Passed
			ma.ScorePercent, ma.Passed = &score, &passed
		}
		out.Attempts = append(out.Attempts, ma)
	}
	for _, rec := range ex.Certificates {
		out.Certificates = append(out.Certificates, certificateOut{ID: rec.ID, Course: rec.CourseID, IssuedAt: rfc3339(rec.IssuedAt),
			ExpiresAt: rfc3339(rec.ExpiresAt), Status: certStatus(rec, s.now()), PDFURL: s.signer.Issuer.URL + "/certificates/" + rec.ID + ".pdf",
			VerifyURL: certificates.VerifyURL(s.signer.Issuer.URL, rec.ID)})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="kipass-my-data-%s.json"`, s.now().UTC().Format("2006-01-02")))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

func rawOrNil(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// eraseMe deletes the caller's account after checking the password.
func (s *server) eraseMe(c *fiber.Ctx, password string, keepCertificates bool) error {
	u := currentUser(c)
	if err := s.app.Erase(c.UserContext(), *u, u.ID, password, keepCertificates); err != nil {
		return err
	}
	s.sessions.dropUser(u.ID)
	if !keepCertificates {
		s.statusCache.drop() // the revocations show at /status/1 at once
	}
	s.log.Info("account erased at the holder's request", "kept_certificates", keepCertificates)
	c.Cookie(&fiber.Cookie{Name: s.cookies.session, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: s.secure, SameSite: "Lax"})
	return nil
}

func (s *server) apiEraseMe(c *fiber.Ctx) error {
	var body struct {
		Password         string `json:"password"`
		KeepCertificates bool   `json:"keep_certificates"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.eraseMe(c, body.Password, body.KeepCertificates); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *server) eraseMeForm(c *fiber.Ctx) error {
	err := s.eraseMe(c, c.FormValue("password"), c.FormValue("keep_certificates") == "on")
	if e := errs.As(err); e != nil && (e.Code == "wrong_password" || e.Code == "last_admin") {
		f := &form{Errors: map[string]string{}, Message: "me." + e.Code}
		if e.Code == "wrong_password" {
			f.Errors["password"] = "wrong_password"
		}
		return s.renderMe(c, fiber.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "erased", "me.erased_title", nil, nil)
}
