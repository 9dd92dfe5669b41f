package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/reports"
)

// outreachIn selects people for invitations and reminders: ids, or a view
// (the dashboard's filters; invitations: the department's invited people,
// reminders: the overdue people of the view).
type outreachIn struct {
	UserIDs    []int64 `json:"user_ids"`
	All        bool    `json:"all"` // everyone in the view below
	Course     string  `json:"course"`
	Department string  `json:"department"`
	Q          string  `json:"q"`
}

func (in outreachIn) selection() app.Selection {
	if in.All {
		return app.Selection{View: &app.ReportQuery{Course: in.Course, Department: in.Department, Q: strings.TrimSpace(in.Q)}}
	}
	return app.Selection{UserIDs: in.UserIDs}
}

type inviteLinkOut struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// apiResendInvites answers POST /api/v1/hr/invitations.
func (s *server) apiResendInvites(c *fiber.Ctx) error {
	var in outreachIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.app.ResendInvites(c.UserContext(), *currentUser(c), in.selection())
	if err != nil {
		return err
	}
	links := []inviteLinkOut{}
	for _, l := range res.Links {
		links = append(links, inviteLinkOut{UserID: l.UserID, Name: l.Name, Email: l.Email, URL: l.URL, ExpiresAt: rfc3339(l.Expires)})
	}
	return c.JSON(fiber.Map{"emailed": ids(res.Emailed), "links": links, "skipped": ids(res.Skipped)})
}

// apiSendReminders answers POST /api/v1/hr/reminders.
func (s *server) apiSendReminders(c *fiber.Ctx) error {
	var in outreachIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.app.SendReminders(c.UserContext(), *currentUser(c), in.selection())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sent": ids(res.Sent), "reminded_today": ids(res.RemindedToday), "nothing_open": ids(res.NothingOpen)})
}

// ids is a list for JSON: [] rather than null.
func ids(l []int64) []int64 {
	if l == nil {
		return []int64{}
	}
	return l
}

// outreachForm reads the dashboard's selection: checked user_id boxes (or
// the one button's user_id), or all=1 with the view's filters.
func outreachForm(c *fiber.Ctx) outreachIn {
	in := outreachIn{All: c.FormValue("all") == "1", Course: c.FormValue("course"), Department: c.FormValue("department"), Q: c.FormValue("q")}
	args := c.Request().PostArgs()
	for _, v := range args.PeekMulti("user_id") {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil && id > 0 {
			in.UserIDs = append(in.UserIDs, id)
		}
	}
	return in
}

// backToView is the dashboard with the view's filters (what was done is
// said by the flash).
func backToView(c *fiber.Ctx) string {
	v := url.Values{}
	for _, k := range []string{"course", "department", "status", "q"} {
		if x := c.FormValue("v_" + k); x != "" {
			v.Set(k, x)
		}
	}
	return "/hr?" + v.Encode() // no anchor: the flash is at the top of the page
}

// resendInvitesForm resends invitations from the dashboard: by email (back
// to the dashboard with a notice) or, without a mail server, as a CSV of
// the new links to pass on.
func (s *server) resendInvitesForm(c *fiber.Ctx) error {
	in := outreachForm(c)
	if !in.All && len(in.UserIDs) == 0 {
		s.setFlash(c, flash("flash.nobody_selected"))
		return c.Redirect(backToView(c), fiber.StatusSeeOther)
	}
	res, err := s.app.ResendInvites(c.UserContext(), *currentUser(c), in.selection())
	if err != nil {
		return err
	}
	if len(res.Links) == 0 {
		s.setFlash(c, countFlashes(flash("flash.invited", len(res.Emailed)), flash("flash.invite_skipped", len(res.Skipped)))...)
		return c.Redirect(backToView(c), fiber.StatusSeeOther)
	}
	lang := langOf(c)
	var body strings.Builder
	w, err := reports.NewCSVWriter(&body, ';')
	if err != nil {
		return err
	}
	w.Write([]string{s.views.t(lang, "hr.col_name"), "E-Mail", s.views.t(lang, "hr.invite_link"), s.views.t(lang, "hr.valid_until")})
	for _, l := range res.Links {
		w.Write([]string{l.Name, l.Email, l.URL, s.hrPrinter(lang).Date(l.Expires)})
	}
	if err := w.Flush(); err != nil {
		return err
	}
	attachment(c, "text/csv; charset=utf-8", "kipass-invitations-"+s.now().In(s.location()).Format("2006-01-02")+".csv")
	return c.SendString(body.String())
}

// sendRemindersForm sends reminders from the dashboard and says how many
// went out and how many were refused (reminded today already).
func (s *server) sendRemindersForm(c *fiber.Ctx) error {
	in := outreachForm(c)
	if !in.All && len(in.UserIDs) == 0 {
		s.setFlash(c, flash("flash.nobody_selected"))
		return c.Redirect(backToView(c), fiber.StatusSeeOther)
	}
	res, err := s.app.SendReminders(c.UserContext(), *currentUser(c), in.selection())
	if err != nil {
		return err
	}
	s.setFlash(c, countFlashes(flash("flash.reminded", len(res.Sent)), flash("flash.reminded_today", len(res.RemindedToday)),
		flash("flash.nothing_open", len(res.NothingOpen)))...)
	return c.Redirect(backToView(c), fiber.StatusSeeOther)
}

// countFlashes keeps the messages whose count is not zero; when none is
// left, it says that nobody was concerned.
func countFlashes(msgs ...flashMsg) []flashMsg {
	var out []flashMsg
	for _, m := range msgs {
		if len(m.Args) > 0 && m.Args[0] > 0 {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = append(out, flash("flash.nobody_selected"))
	}
	return out
}
