package web

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/charts"
	"kipass/internal/evidence"
	"kipass/internal/reports"
)

// hrPageSize is the number of people per page of the dashboard table.
const hrPageSize = 50

// hrFilter is the dashboard's query: filters, search, sort and page.
type hrFilter struct {
	Course, Department, Status, Q string
	Sort, Dir                     string
	Page                          int
}

func readHRFilter(c *fiber.Ctx, firstCourse string) hrFilter {
	f := hrFilter{Course: c.Query("course"), Department: c.Query("department"), Status: c.Query("status"),
		Q: strings.TrimSpace(c.Query("q")), Sort: c.Query("sort"), Dir: c.Query("dir")}
	if f.Course == "" {
		f.Course = firstCourse
	}
	if !slices.Contains([]string{"name", "department", "status", "passed", "due", "valid"}, f.Sort) {
		f.Sort = "name"
	}
	if f.Dir != "desc" {
		f.Dir = "asc"
	}
	f.Page, _ = strconv.Atoi(c.Query("page"))
	f.Page = max(f.Page, 1)
	return f
}

// Link returns the filter as a query string with changes applied (pairs
// of key and value; an empty value removes the key).
func (f hrFilter) Link(changes ...string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("course", f.Course)
	set("department", f.Department)
	set("status", f.Status)
	set("q", f.Q)
	set("sort", f.Sort)
	set("dir", f.Dir)
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	for i := 0; i+1 < len(changes); i += 2 {
		v.Del(changes[i])
		set(changes[i], changes[i+1])
	}
	return v.Encode()
}

// exportLinks are the dashboard's download links, each carrying the
// page's filters, so that an export holds no more people than the page.
type exportLinks struct {
	PDF, XLSX, CSVExcel, CSV, JSON string
}

// exportLinks builds the download links from the filter values. Each value
// is URL-encoded here and the template puts each whole link into an href:
// html/template then only HTML-escapes it. (A ready query string after a
// literal "?" in the template would be escaped once more as one query
// value, "=" and "&" included, and the server would see no filters.)
func (f hrFilter) exportLinks() exportLinks {
	href := func(path string, extra ...string) string {
		v := url.Values{}
		for k, val := range map[string]string{"course": f.Course, "department": f.Department, "status": f.Status, "q": f.Q} {
			if val != "" {
				v.Set(k, val)
			}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	return exportLinks{
		PDF:      href("/hr/evidence.pdf"),
		XLSX:     href("/api/v1/hr/report", "format", "xlsx"),
		CSVExcel: href("/api/v1/hr/report", "format", "csv", "sep", "semicolon"),
		CSV:      href("/api/v1/hr/report", "format", "csv"),
		JSON:     href("/api/v1/hr/report", "download", "1"),
	}
}

// sortLink is a column header link of the table.
type sortLink struct {
	Key, Label, Href, Aria string
}

type hrView struct {
	Filter        hrFilter
	AsOf          time.Time
	AsOfClock     string // the time of AsOf in the organisation's zone, "15:04"
	Zone          string // that zone's name
	AggregateOnly bool
	MinGroup      int
	Courses       []courseOption
	Departments   []string
	Statuses      []string
	Counts        evidence.Total
	PerDept       []evidence.Total
	HiddenGroups  int // departments folded away in works-council mode
	DeptChart     charts.BarChart
	TimeChart     charts.LineChart
	Overdue       []*personRow
	OverdueMore   int
	Rows          []*personRow
	Matches       int
	Pages         int
	PrevHref      string
	NextHref      string
	Columns       []sortLink
	OverdueHref   string // the table filtered to overdue people
	Exports       exportLinks
	Assignments   []assignmentView
	Limited       []string // the HR account's departments, when limited
	Message       string
	MailOn        bool // a mail server is configured
	OverdueTotal  int  // overdue people in the view (course, department, search)
	PastDue       bool // the assignment form's due date is in the past: ask to confirm
}

type courseOption struct{ ID, Title string }

type assignmentView struct {
	app.Assignment
	CourseTitle string
	Person      string
}

// hrPage is the HR dashboard: counts, charts, the overdue list, the table
// of people and the assignments, all within the caller's departments.
func (s *server) hrPage(c *fiber.Ctx) error {
	v, err := s.hrView(c)
	if err != nil {
		return err
	}
	detail := filterDetail(v.Filter.Department, v.Filter.Course, v.Filter.Status)
	if err := s.app.Audit(c.UserContext(), *currentUser(c), "dashboard.viewed", 0, detail); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "hr", "hr.title", nil, v)
}

func (s *server) hrView(c *fiber.Ctx) (*hrView, error) {
	lang := langOf(c)
	cat := s.catalog()
	v := &hrView{AggregateOnly: s.cfg.AggregateOnly, MinGroup: s.cfg.MinGroup,
		Statuses: []string{reports.Invited, reports.NotStarted, reports.InProgress, reports.Passed, reports.Expired, reports.Overdue},
		MailOn:   s.cfg.MailConfigured}
	for _, co := range cat.Courses {
		v.Courses = append(v.Courses, courseOption{ID: co.ID, Title: co.Title.Get(lang)})
	}
	first := ""
	if len(cat.Courses) > 0 {
		first = cat.Courses[0].ID
	}
	v.Filter = readHRFilter(c, first)
	scope, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	v.Limited = scope
	if scope != nil {
		v.Departments = scope
	} else if v.Departments, err = s.app.Departments(c.UserContext()); err != nil {
		return nil, err
	}
	if v.Filter.Department != "" && !slices.Contains(v.Departments, v.Filter.Department) {
		v.Departments = append(v.Departments, v.Filter.Department) // keep the filter visible
	}
	rows, asOf, err := s.personRows(c.UserContext(), v.Filter.Course, narrow(scope, v.Filter.Department))
	if err != nil {
		return nil, err
	}
	v.AsOf = asOf
	p := s.hrPrinter(lang)
	v.AsOfClock, v.Zone = p.Clock(asOf), p.Zone.String()
	s.summarise(v, rows, lang)
	if !v.AggregateOnly {
		s.tableRows(c, v, rows)
	}
	v.Exports = v.Filter.exportLinks()
	v.OverdueHref = "/hr?" + v.Filter.Link("status", reports.Overdue, "page", "") + "#people"
	v.Assignments, err = s.assignmentViews(c)
	return v, err
}

// summarise fills the counts, the per-department chart and the timeline.
// In works-council mode departments under the group size are folded away
// (with as many more as needed so that no small group can be worked out by
// subtraction), and a total under the group size is not shown at all.
func (s *server) summarise(v *hrView, rows []personRow, lang string) {
	months := map[string]int{}
	loc := s.location()
	er := make([]evidence.Row, len(rows))
	for i, r := range rows {
		er[i] = evidence.Row{Department: r.Department, Status: r.Status}
		if !r.IssuedAt.IsZero() {
			months[r.IssuedAt.In(loc).Format("2006-01")]++
		}
	}
	v.PerDept = evidence.Totals(er)
	v.Counts = evidence.Sum(v.PerDept)
	if v.AggregateOnly {
		v.PerDept, _, v.HiddenGroups = evidence.Fold(v.PerDept, v.MinGroup)
		if v.Counts.People < v.MinGroup {
			v.Counts = evidence.Total{}
			months = nil
		}
	}
	t := func(key string) string { return s.views.t(lang, key) }
	bars := make([]charts.Bar, 0, len(v.PerDept))
	for _, d := range v.PerDept {
		name := d.Department
		if name == "" {
			name = t("hr.no_department")
		}
		bars = append(bars, charts.Bar{Label: name, Value: float64(d.Rate()), Note: fmt.Sprintf(t("hr.n_of_m"), d.Passed, d.People)})
	}
	v.DeptChart = charts.BarChart{Title: t("hr.chart_departments"), Desc: t("hr.chart_departments_desc"), Bars: bars, Max: 100, Unit: "%", Empty: t("hr.no_data"),
		Lang: lang, LabelHeader: t("hr.department")}
	var points []charts.Point
	asOf := v.AsOf.In(loc)
	end := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, loc)
	for i := 11; i >= 0; i-- {
		m := end.AddDate(0, -i, 0)
		points = append(points, charts.Point{Label: s.hrPrinter(lang).Month(m), Value: float64(months[m.Format("2006-01")])})
	}
	if months == nil {
		points = nil
	}
	v.TimeChart = charts.LineChart{Title: t("hr.chart_time"), Desc: t("hr.chart_time_desc"), Points: points, Empty: t("hr.no_data"),
		Lang: lang, LabelHeader: t("hr.month"), Counts: true}
}

// tableRows fills the overdue list and one page of the searched, sorted table.
func (s *server) tableRows(c *fiber.Ctx, v *hrView, rows []personRow) {
	query := app.ReportQuery{Status: v.Filter.Status, Q: v.Filter.Q}
	match := make([]*personRow, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.Status == reports.Overdue {
			v.OverdueTotal++
			if len(v.Overdue) < 10 {
				v.Overdue = append(v.Overdue, r)
			} else {
				v.OverdueMore++
			}
		}
		if !query.Matches(r) {
			continue
		}
		match = append(match, r)
	}
	slices.SortFunc(v.Overdue, func(a, b *personRow) int { return a.Due.Compare(b.Due) })
	slices.SortFunc(match, rowOrder(v.Filter.Sort, v.Filter.Dir == "desc"))
	v.Matches = len(match)
	v.Pages = max(1, (len(match)+hrPageSize-1)/hrPageSize)
	v.Filter.Page = min(v.Filter.Page, v.Pages)
	lo := (v.Filter.Page - 1) * hrPageSize
	v.Rows = match[lo:min(lo+hrPageSize, len(match))]
	if v.Filter.Page > 1 {
		v.PrevHref = "/hr?" + v.Filter.Link("page", strconv.Itoa(v.Filter.Page-1))
	}
	if v.Filter.Page < v.Pages {
		v.NextHref = "/hr?" + v.Filter.Link("page", strconv.Itoa(v.Filter.Page+1))
	}
	lang := langOf(c)
	for _, col := range []string{"name", "department", "status", "passed", "due", "valid"} {
		dir, aria := "asc", ""
		if v.Filter.Sort == col {
			aria = "ascending"
			if v.Filter.Dir == "asc" {
				dir = "desc"
			} else {
				aria = "descending"
			}
		}
		v.Columns = append(v.Columns, sortLink{Key: col, Label: s.views.t(lang, "hr.col_"+col), Aria: aria,
			Href: "/hr?" + v.Filter.Link("sort", col, "dir", dir, "page", "") + "#people"})
	}
}

// rowOrder compares table rows by a column; ties go by name, then id.
func rowOrder(col string, desc bool) func(a, b *personRow) int {
	return func(a, b *personRow) int {
		var n int
		switch col {
		case "name":
			n = cmp.Compare(a.Key, b.Key)
		case "department":
			n = cmp.Compare(a.Department, b.Department)
		case "status":
			n = cmp.Compare(a.Status, b.Status)
		case "passed":
			n = a.IssuedAt.Compare(b.IssuedAt)
		case "due":
			n = a.DueAt.Compare(b.DueAt)
		case "valid":
			n = a.CertificateEnd.Compare(b.CertificateEnd)
		}
		if desc {
			n = -n
		}
		if n == 0 {
			n = cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.UserID, b.UserID))
		}
		return n
	}
}
