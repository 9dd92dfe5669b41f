package web

import (
	"fmt"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/i18n"
	"kipass/internal/reports"
)

// exportView is one view of the report as the exports hold it: the rows
// and the words that state its scope in the file name and first lines.
type exportView struct {
	query app.ReportQuery
	rows  []*personRow
	asOf  time.Time
	// parts describe the filters in the UI language, in order: course
	// (when the file states it), department, status and search.
	parts []string
}

// readReportQuery reads a view's filters from the request.
func readReportQuery(c *fiber.Ctx) app.ReportQuery {
	return app.ReportQuery{Course: c.Query("course"), Department: c.Query("department"), Status: c.Query("status"),
		Q: strings.TrimSpace(c.Query("q"))}
}

// exportRows collects a view's rows within the caller's departments.
func (s *server) exportRows(c *fiber.Ctx, q app.ReportQuery) (exportView, error) {
	rows, asOf, err := s.app.HRView(c.UserContext(), *currentUser(c), q)
	if err != nil {
		return exportView{}, err
	}
	lang := exportLang(c)
	v := exportView{query: q, rows: rows, asOf: asOf}
	if q.Department != "" {
		v.parts = append(v.parts, q.Department)
	} else if scope, err := s.scope(c); err != nil {
		return v, err
	} else if scope != nil {
		v.parts = append(v.parts, fmt.Sprintf(s.views.t(lang, "hr.scope_departments"), strings.Join(scope, ", ")))
	}
	if q.Status != "" {
		v.parts = append(v.parts, strings.ToLower(s.views.t(lang, "hrstatus."+q.Status)))
	}
	if q.Q != "" {
		v.parts = append(v.parts, fmt.Sprintf(s.views.t(lang, "hr.scope_search"), q.Q))
	}
	return v, nil
}

// scopeLine is the first line of a file: "Vertrieb, überfällig, 6 Personen".
func (s *server) scopeLine(lang string, v exportView) string {
	return reports.ScopeText(s.views.messages, lang, len(v.rows), v.parts...)
}

// fileName is the download name stating the course and the scope.
func (s *server) fileName(v exportView, ext string) string {
	parts := v.parts
	if co, ok := s.catalog().Course(v.query.Course); ok {
		parts = append([]string{co.ID}, parts...)
	}
	return reports.FileName(ext, v.asOf.In(s.location()), parts...)
}

// location is the organisation's time zone for dates shown to people.
func (s *server) location() *time.Location { return s.app.Zone() }

// attachment sets the headers of a download. Call it once the body is
// complete, so that a failure before answers with the error and not with
// a broken file.
func attachment(c *fiber.Ctx, contentType, name string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// apiHRReport lists every person's status per course in a view (course,
// department, status and search q, within the caller's departments) as
// JSON, CSV (format=csv; sep=semicolon adds the scope lines above the
// header for Excel) or a spreadsheet (format=xlsx, headers in lang).
// Unknown filter values give an empty report, not an error.
func (s *server) apiHRReport(c *fiber.Ctx) error {
	if s.cfg.AggregateOnly {
		return errAggregateOnly
	}
	q := readReportQuery(c)
	v, err := s.exportRows(c, q)
	if err != nil {
		return err
	}
	format := c.Query("format")
	switch format {
	case "csv", "xlsx":
	default:
		format = "json"
	}
	if err := s.app.Audit(c.UserContext(), *currentUser(c), "report.exported", 0,
		exportDetail(q)+" format="+format+" rows="+strconv.Itoa(len(v.rows))); err != nil {
		return err
	}
	switch format {
	case "csv":
		return s.reportCSV(c, v)
	case "xlsx":
		return s.reportXLSX(c, v)
	}
	out := make([]reportRow, 0, len(v.rows))
	for _, r := range v.rows {
		out = append(out, toReportRow(r))
	}
	if c.Query("download") != "" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+s.fileName(v, "json")+`"`)
	}
	return c.JSON(out)
}

// toReportRow is a row in the contract's machine shape (times in UTC).
func toReportRow(r *personRow) reportRow {
	row := reportRow{UserID: r.UserID, Name: r.Name, Email: r.Email, Department: r.Department, Course: r.Course, Status: r.Status,
		CertificateID: r.CertificateID}
	if !r.IssuedAt.IsZero() {
		row.PassedAt = rfc3339(r.IssuedAt)
	}
	if !r.Due.IsZero() {
		row.DueAt = rfc3339(r.Due)
	}
	if r.Invited && !r.InvitedAt.IsZero() {
		row.InvitedAt = rfc3339(r.InvitedAt)
	}
	return row
}

// reportCSV writes the CSV. The technical CSV (comma) is the contract's
// columns from the first line, for scripts; the one for Excel (semicolon)
// starts with the scope and the time, then an empty line, then the same
// table.
func (s *server) reportCSV(c *fiber.Ctx, v exportView) error {
	sep := ','
	if c.Query("sep") == "semicolon" || c.Query("sep") == ";" {
		sep = ';'
	}
	var body strings.Builder
	w, err := reports.NewCSVWriter(&body, sep)
	if err != nil {
		return err
	}
	if sep == ';' {
		lang := exportLang(c)
		w.Write([]string{s.scopeLine(lang, v)})
		w.Write([]string{s.courseLine(lang, v)})
		w.Write([]string{""})
	}
	w.Write([]string{"user_id", "name", "email", "department", "course", "status", "passed_at", "certificate_id", "due_at"})
	for _, r := range v.rows {
		o := toReportRow(r)
		w.Write([]string{itoa(o.UserID), o.Name, o.Email, o.Department, o.Course, o.Status, o.PassedAt, o.CertificateID, o.DueAt})
	}
	if err := w.Flush(); err != nil {
		return err
	}
	attachment(c, "text/csv; charset=utf-8", s.fileName(v, "csv"))
	return c.SendString(body.String())
}

// courseLine is the second line of a file: the course and the time of the
// data, in the organisation's zone.
func (s *server) courseLine(lang string, v exportView) string {
	course := s.views.t(lang, "hr.all_courses")
	if co, ok := s.catalog().Course(v.query.Course); ok {
		course = co.Title.Get(lang)
	}
	p := s.hrPrinter(lang)
	return course + " · " + fmt.Sprintf(s.views.t(lang, "hr.as_of_zone"), p.Date(v.asOf), p.Clock(v.asOf), p.Zone.String())
}

// reportXLSX writes the spreadsheet (reports.WriteXLSX): the scope lines,
// then a table with an autofilter and a frozen header, statuses and
// headers in the UI language, dates as date cells in the organisation's
// zone.
func (s *server) reportXLSX(c *fiber.Ctx, v exportView) error {
	lang := exportLang(c)
	titles := map[string]string{}
	for _, co := range s.catalog().Courses {
		titles[co.ID] = co.Title.Get(lang)
	}
	course := s.views.t(lang, "hr.all_courses")
	if t, ok := titles[v.query.Course]; ok {
		course = t
	}
	rows := func(yield func(reports.XLSXRow) bool) {
		for _, r := range v.rows {
			x := reports.XLSXRow{Name: r.Name, Email: r.Email, Department: r.Department, Course: titles[r.Course], Status: r.Status,
				PassedAt: r.IssuedAt, ValidUntil: r.CertificateEnd, DueAt: r.DueAt, CertificateID: r.CertificateID}
			if r.Invited {
				x.InvitedAt = r.InvitedAt
			}
			if x.Course == "" {
				x.Course = r.Course
			}
			if !yield(x) {
				return
			}
		}
	}
	w := c.Response().BodyWriter()
	err := reports.WriteXLSX(w, reports.XLSXReport{Lang: lang, Messages: s.views.messages, Scope: s.scopeLine(lang, v) + "\n" + course, GeneratedAt: v.asOf,
		TempDir: os.TempDir()}, s.location(), iter.Seq[reports.XLSXRow](rows))
	if err != nil {
		c.Response().ResetBody()
		return err
	}
	attachment(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", s.fileName(v, "xlsx"))
	return nil
}

// hrPrinter writes dates and times of the HR pages and files in lang and
// the organisation's zone.
func (s *server) hrPrinter(lang string) i18n.Printer {
	return s.views.messages.Printer(lang, s.location())
}

// exportDetail describes a view for the audit log.
func exportDetail(q app.ReportQuery) string {
	d := filterDetail(q.Department, q.Course, q.Status)
	if q.Q != "" {
		d += " q=" + quoteDetail(q.Q)
	}
	return d
}

// exportLang is the language of a file: ?lang=, else the page's language,
// else (the API runs without the language middleware) the account's, else
// the browser's.
func exportLang(c *fiber.Ctx) string {
	if q := c.Query("lang"); validLang(q) {
		return q
	}
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	if u := currentUser(c); u != nil && validLang(u.Lang) {
		return u.Lang
	}
	return acceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
}
