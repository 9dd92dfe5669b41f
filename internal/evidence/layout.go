package evidence

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"kipass/certificates"
)

// The page: A4 portrait, in millimetres.
const (
	pageW   = 210.0
	left    = 15.0
	right   = pageW - 15.0
	textW   = right - left
	top     = 15.0
	bottom  = 267.0 // the body ends above this line
	footTop = 270.0 // the footer's rule
)

// Type: families, sizes in points, line heights in millimetres.
const (
	sans      = "go"
	mono      = "gomono"
	labelW    = 38.0 // label column of the cover
	lineH     = 4.8  // a line of the cover and the summary
	rowH      = 5.0  // a table row
	headH     = 6.0  // a table's header row
	pad       = 1.5  // inner horizontal padding of a table cell
	cellSize  = 8.0
	monoSize  = 7.0
	footSize  = 6.5
	footLead  = 2.8
	footW     = textW - 32 // the statement; the page number sits right of it
	footLines = 7
)

// Colours (0xRRGGBB), as on the certificates: kipass blue for accents,
// near-black ink, muted grey for secondary text, light grey for rules and
// two pale fills for table headers and every other row.
const (
	colBlue  = 0x1d4e89
	colInk   = 0x1f2933
	colMuted = 0x5f6b7a
	colLine  = 0xc5cfda
	colHead  = 0xe3eaf2
	colShade = 0xf3f6f9
)

// column is one column of a table.
type column struct {
	title string
	width float64
	right bool // right-aligned (numbers)
	mono  bool // monospaced (ids)
	wrap  bool // long text wraps onto more lines (names, departments)
}

// maxLines is how many lines a wrapped cell takes at most; beyond that its
// last line ends with "…". lineStep is the distance between them.
const (
	maxLines = 4
	lineStep = 3.6
)

// doc is a report being laid out: the PDF, the report, its wording and
// the vertical position of the next line.
type doc struct {
	f     *gofpdf.Fpdf
	r     Report
	w     words
	y     float64           // top of the next line on the current page
	head  string            // running head of the pages after the first
	foot  []string          // the footer statement, wrapped
	depts map[string]string // department -> its cleaned label
}

// newDoc sets up an empty document for r, which must be normalised.
func newDoc(r Report) *doc {
	w := wordsFor(r.Messages.Printer(r.Lang, r.Zone))
	f := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	f.SetCatalogSort(true) // reproducible output
	f.SetCreationDate(r.GeneratedAt)
	f.SetModificationDate(r.GeneratedAt)
	f.SetCompression(true)
	f.SetAutoPageBreak(false, 0) // page breaks are ours, to repeat table headers
	f.SetMargins(left, top, pageW-right)
	f.SetCellMargin(0)
	f.SetProducer("kipass", true)
	f.SetCreator("kipass", true)
	f.SetAuthor(clean(r.Organisation), true)
	f.SetTitle(joinNonEmpty(" – ", w.title, clean(r.CourseTitle)), true)
	f.SetSubject(w.subject, true)
	// gofpdf writes into the font bytes it is given while it subsets them
	// (utf8FontFile.getMetrics appends to a slice of the font), which
	// would change the shared gofont variables and with them every later
	// PDF in the process. Each report gets its own copies, in which "-"
	// is the hyphen rather than the Go fonts' wide minus sign (a name like
	// "Groß-Müller" would look like a dash otherwise).
	f.AddUTF8FontFromBytes(sans, "", certificates.WithTrueHyphen(goregular.TTF))
	f.AddUTF8FontFromBytes(sans, "B", certificates.WithTrueHyphen(gobold.TTF))
	f.AddUTF8FontFromBytes(mono, "", bytes.Clone(gomono.TTF))

	d := &doc{f: f, r: r, w: w, depts: make(map[string]string)}
	d.head = joinNonEmpty(" · ", w.title, clean(r.Organisation), clean(r.CourseTitle))
	f.SetFont(sans, "", footSize)
	d.foot = wrap(f, d.statement(), footW)
	if len(d.foot) > footLines {
		d.foot = d.foot[:footLines]
	}
	return d
}

// statement is the footer text: what the report proves and how to check
// the certificates it lists.
func (d *doc) statement() string {
	verify := d.w.verifyOffline
	if u := strings.TrimRight(clean(d.r.VerifyURL), "/"); u != "" {
		verify = fmt.Sprintf(d.w.verifyOnline, u)
	}
	return d.w.statement + " " + verify + " " + d.w.signatures
}

// ink sets the colour of text and fills, so that gofpdf needs no colour
// operators around each piece of text.
func (d *doc) ink(c int) {
	r, g, b := c>>16, c>>8&0xff, c&0xff
	d.f.SetTextColor(r, g, b)
	d.f.SetFillColor(r, g, b)
}

// rule draws a horizontal line across the text block at y.
func (d *doc) rule(y float64, c int, width float64) {
	d.f.SetDrawColor(c>>16, c>>8&0xff, c&0xff)
	d.f.SetLineWidth(width)
	d.f.Line(left, y, right, y)
}

// box fills a rectangle in colour c and restores the ink.
func (d *doc) box(y, h float64, c int) {
	d.f.SetFillColor(c>>16, c>>8&0xff, c&0xff)
	d.f.Rect(left, y, textW, h, "F")
	d.ink(colInk)
}

// newPage starts a page; every page after the first begins with a running
// head naming the report.
func (d *doc) newPage() {
	f := d.f
	f.AddPage()
	d.y = top
	if f.PageNo() == 1 {
		return
	}
	f.SetFont(sans, "", 7)
	d.ink(colMuted)
	stamp := d.w.longDate(d.r.GeneratedAt)
	sw := f.GetStringWidth(stamp)
	f.Text(left, top+2.5, fit(f, d.head, textW-sw-6))
	f.Text(right-sw, top+2.5, stamp)
	d.rule(top+4.5, colLine, 0.2)
	d.y = top + 8
}

// need starts a new page unless h millimetres fit above the footer.
func (d *doc) need(h float64) {
	if d.y+h > bottom {
		d.newPage()
	}
}

// cover draws the title block and the facts about the report.
func (d *doc) cover() {
	f, w := d.f, d.w
	f.SetFont(sans, "B", 20)
	d.ink(colBlue)
	f.Text(left, d.y+7, fit(f, w.title, textW))
	f.SetFont(sans, "B", 12)
	d.ink(colInk)
	f.Text(left, d.y+14, fit(f, clean(d.r.Organisation), textW))
	d.rule(d.y+17.5, colBlue, 0.5)
	d.y += 22

	d.field(w.generated, w.longDate(d.r.GeneratedAt), sans)
	d.field(w.generatedBy, orNone(clean(d.r.GeneratedBy)), sans)
	d.field(w.scope, d.scope(), sans)
	d.field(w.course, d.course(), sans)
	d.field(w.version, orNone(clean(d.r.ContentVersion)), mono)
	d.modules()
}

// scope is the scope line: the caller's filter or "everyone", and in
// works-council mode a statement that the report is aggregated.
func (d *doc) scope() string {
	s := clean(d.r.Scope)
	if s == "" {
		s = d.w.everyone
	}
	if d.r.AggregateOnly {
		s += " – " + fmt.Sprintf(d.w.aggregated, d.r.MinGroup)
	}
	return s
}

// course is "title (id)", or whichever of them is known.
func (d *doc) course() string {
	title, id := clean(d.r.CourseTitle), clean(d.r.CourseID)
	switch {
	case title != "" && id != "":
		return title + " (" + id + ")"
	case title+id != "":
		return title + id
	}
	return dash
}

// field draws a label and its value, wrapped to as many lines as needed.
func (d *doc) field(label, value, family string) {
	d.f.SetFont(family, "", 9)
	d.valueLines(label, wrap(d.f, value, textW-labelW), family, 0)
}

// valueLines draws label beside the first of lines and the rest below it,
// indented by indent.
func (d *doc) valueLines(label string, lines []string, family string, indent float64) {
	f := d.f
	for i, l := range lines {
		d.need(lineH)
		if i == 0 && label != "" {
			f.SetFont(sans, "", 8.5)
			d.ink(colMuted)
			f.Text(left, d.y+3.5, fit(f, label, labelW-2))
		}
		f.SetFont(family, "", 9)
		d.ink(colInk)
		x := left + labelW
		if i > 0 {
			x += indent
		}
		f.Text(x, d.y+3.5, l)
		d.y += lineH
	}
}

// modules draws the numbered list of module titles.
func (d *doc) modules() {
	if len(d.r.Modules) == 0 {
		d.field(d.w.modules, dash, sans)
		return
	}
	f := d.f
	label := d.w.modules
	for i, m := range d.r.Modules {
		prefix := strconv.Itoa(i+1) + ". "
		f.SetFont(sans, "", 9)
		indent := f.GetStringWidth(prefix)
		d.valueLines(label, wrap(f, prefix+orNone(clean(m)), textW-labelW-indent), sans, indent)
		label = ""
	}
}

// heading draws a section heading, on a new page unless it and keep
// millimetres of what follows fit on this one.
func (d *doc) heading(s string, keep float64) {
	d.y += 5
	d.need(8 + keep)
	d.f.SetFont(sans, "B", 11)
	d.ink(colBlue)
	d.f.Text(left, d.y+4.5, s)
	d.y += 8
}

// note draws a short paragraph in muted type.
func (d *doc) note(s string) {
	d.f.SetFont(sans, "", 9)
	for _, l := range wrap(d.f, s, textW) {
		d.need(lineH)
		d.ink(colMuted)
		d.f.Text(left, d.y+3.5, l)
		d.y += lineH
	}
}

// summary draws the key figures over everyone in the report.
func (d *doc) summary(all Total) {
	w := d.w
	d.heading(w.summary, 7*lineH)
	if all.People == 0 {
		d.note(w.noPeople)
		return
	}
	figures := []struct{ label, value string }{
		{w.people, strconv.Itoa(all.People)},
		{w.passed, strconv.Itoa(all.Passed)},
		{w.expired, strconv.Itoa(all.Expired)},
		{w.overdue, strconv.Itoa(all.Overdue)},
		{w.inProgress, strconv.Itoa(all.InProgress)},
		{w.notStarted, strconv.Itoa(all.NotStarted)},
		{w.rate, percent(all.Passed, all.People, w.decimal)},
	}
	const valueRight = left + 110
	f := d.f
	for _, x := range figures {
		d.need(lineH)
		f.SetFont(sans, "", 9)
		d.ink(colInk)
		f.Text(left, d.y+3.5, fit(f, x.label, valueRight-left-25))
		f.SetFont(sans, "B", 9)
		f.Text(valueRight-f.GetStringWidth(x.value), d.y+3.5, x.value)
		d.y += lineH
	}
}

// departmentColumns are the columns of the department table.
func departmentColumns(w words) []column {
	return []column{
		{title: w.department, width: 84, wrap: true},
		{title: w.persons, width: 24, right: true},
		{title: w.passedCol, width: 24, right: true},
		{title: w.rateShort, width: 24, right: true},
		{title: w.overdue, width: 24, right: true},
	}
}

// departments draws the table of totals per department; in works-council
// mode only departments of at least MinGroup people, the rest as one line.
func (d *doc) departments(ts []Total) {
	w := d.w
	cols := departmentColumns(w)
	d.heading(w.byDepartment, headH+rowH)
	ts = d.byLabel(ts)
	if d.r.AggregateOnly {
		big, rest, n := Fold(ts, d.r.MinGroup)
		if n > 0 {
			rest.Department = fmt.Sprintf(w.other, d.r.MinGroup)
			big = append(big, rest)
		}
		ts = big
		d.note(fmt.Sprintf(w.aggregatedNote, d.r.MinGroup))
		d.y++
	}
	d.need(headH + rowH)
	d.tableHead(cols)
	cells := make([]string, len(cols))
	for i, t := range ts {
		cells[0] = t.Department
		cells[1] = strconv.Itoa(t.People)
		cells[2] = strconv.Itoa(t.Passed)
		cells[3] = percent(t.Passed, t.People, w.decimal)
		cells[4] = strconv.Itoa(t.Overdue)
		d.tableRow(cols, cells, i%2 == 1)
	}
}

// byLabel merges the totals of departments that print the same (such as
// names that clean to nothing) and replaces each Department by its label.
func (d *doc) byLabel(ts []Total) []Total {
	index := make(map[string]int, len(ts))
	out := make([]Total, 0, len(ts))
	for _, t := range ts {
		l := d.dept(t.Department)
		if i, ok := index[l]; ok {
			out[i].plus(t)
			continue
		}
		index[l] = len(out)
		t.Department = l
		out = append(out, t)
	}
	return out
}

// dept is the label of a department, cleaned once per report.
func (d *doc) dept(name string) string {
	if l, ok := d.depts[name]; ok {
		return l
	}
	l := clean(name)
	if l == "" {
		l = d.w.noDepartment
	}
	d.depts[name] = l
	return l
}

// personColumns are the columns of the per-person table. A certificate id
// (22 characters) just fits its column. The date columns are as wide as
// d.dateWidth says; what they need beyond 19 mm the name column gives.
func (d *doc) personColumns() []column {
	w := d.w
	dateW, wrapDates := d.dateWidth()
	return []column{
		{title: w.name, width: 39 - 3*(dateW-19), wrap: true},
		{title: w.department, width: 28, wrap: true},
		{title: w.status, width: 20, wrap: true},
		{title: w.passedAt, width: dateW, wrap: wrapDates},
		{title: w.dueAt, width: dateW, wrap: wrapDates},
		{title: w.validUntil, width: dateW, wrap: wrapDates},
		{title: w.certificate, width: 36, mono: true},
	}
}

// dateWidth is the width of a date column: 19 mm when every date of the
// language fits on one line ("30.09.2026"), else as wide as the longest
// date without its year ("30 September"), the year wrapping onto a second
// line (wrap).
func (d *doc) dateWidth() (width float64, wrap bool) {
	const narrow = 19.0
	d.f.SetFont(sans, "", cellSize)
	var full, head float64
	for m := time.January; m <= time.December; m++ {
		s := d.w.shortDate(time.Date(2026, m, 28, 12, 0, 0, 0, time.UTC))
		full = max(full, d.f.GetStringWidth(s))
		if i := strings.LastIndexByte(s, ' '); i > 0 {
			s = s[:i]
		}
		head = max(head, d.f.GetStringWidth(s))
	}
	if full+2*pad <= narrow {
		return narrow, false
	}
	return max(narrow, math.Ceil((head+2*pad)*2)/2), true
}

// people draws the per-person table.
func (d *doc) people() {
	w := d.w
	cols := d.personColumns()
	n := len(d.r.Rows)
	if n == 0 {
		return
	}
	row := func(i int) []string {
		r := d.r.Rows[i]
		return []string{orNone(clean(r.Name)), d.dept(r.Department), orNone(clean(w.statusText(r.Status))),
			d.date(r.PassedAt), d.date(r.DueAt), d.date(r.ValidUntil), orNone(clean(r.CertificateID))}
	}
	// Keep the header with at least two rows (or the only one).
	first := d.rowHeight(cols, row(0))
	if n > 1 {
		first += d.rowHeight(cols, row(1))
	}
	d.heading(w.persons, headH+first)
	d.tableHead(cols)
	next := row(0)
	for i := range n {
		cells := next
		h := d.rowHeight(cols, cells)
		if i+1 < n {
			next = row(i + 1)
		}
		// No page holds a single row: when this row fits but the last
		// one would go alone onto the next page, both go there.
		if i == n-2 && d.y+h <= bottom && d.y+h+d.rowHeight(cols, next) > bottom {
			d.newPage()
			d.tableHead(cols)
		}
		d.tableRow(cols, cells, i%2 == 1)
	}
}

// date formats t in the report's language, "–" if it is zero.
func (d *doc) date(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return d.w.shortDate(t)
}

// tableHead draws the header row of a table.
func (d *doc) tableHead(cols []column) {
	f := d.f
	d.box(d.y, headH, colHead)
	f.SetFont(sans, "B", 7.5)
	x := left
	for _, c := range cols {
		d.cell(x, d.y+4.1, c, fit(f, c.title, c.width-2*pad))
		x += c.width
	}
	d.y += headH
}

// cellLines splits a cell into the lines it is drawn in: wrapped columns
// break at spaces (at most maxLines, the last shortened with "…"), the
// others are one line shortened to fit. The font must be the cell's.
func (d *doc) cellLines(c column, s string) []string {
	width := c.width - 2*pad
	if !c.wrap {
		return []string{fit(d.f, s, width)}
	}
	lines := wrap(d.f, s, width)
	for i, l := range lines {
		lines[i] = fit(d.f, l, width) // a single word wider than the column
	}
	if len(lines) > maxLines {
		rest := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], fit(d.f, rest, width))
		if !strings.HasSuffix(lines[maxLines-1], "…") {
			lines[maxLines-1] = fit(d.f, lines[maxLines-1]+" …", width)
		}
	}
	return lines
}

// rowHeight is the height of a table row with these cells.
func (d *doc) rowHeight(cols []column, cells []string) float64 {
	d.f.SetFont(sans, "", cellSize)
	n := 1
	for i, c := range cols {
		if c.wrap {
			n = max(n, len(d.cellLines(c, cells[i])))
		}
	}
	return rowH + float64(n-1)*lineStep
}

// tableRow draws one row of a table, on a new page with the header
// repeated if it does not fit; shade fills its background. Wrapped cells
// make the row taller.
func (d *doc) tableRow(cols []column, cells []string, shade bool) {
	h := d.rowHeight(cols, cells)
	if d.y+h > bottom {
		d.newPage()
		d.tableHead(cols)
	}
	f := d.f
	if shade {
		d.box(d.y, h, colShade)
	}
	f.SetFont(sans, "", cellSize)
	isMono := false
	x := left
	for i, c := range cols {
		if c.mono != isMono {
			if isMono = c.mono; isMono {
				f.SetFont(mono, "", monoSize)
			} else {
				f.SetFont(sans, "", cellSize)
			}
		}
		for k, l := range d.cellLines(c, cells[i]) {
			d.cell(x, d.y+3.5+float64(k)*lineStep, c, l)
		}
		x += c.width
	}
	d.y += h
}

// cell draws s, which must fit, in column c starting at x, with its
// baseline at y.
func (d *doc) cell(x, y float64, c column, s string) {
	if c.right {
		x += c.width - pad - d.f.GetStringWidth(s)
	} else {
		x += pad
	}
	d.f.Text(x, y, s)
}

// footers draws the footer on each of the pages, now that their number is
// known: a rule, the statement, and "page X / Y". gofpdf emits the font
// and colour operators on every call, so the state left at the end of
// each page does not matter.
func (d *doc) footers(pages int) {
	f := d.f
	for p := 1; p <= pages; p++ {
		f.SetPage(p)
		d.rule(footTop, colLine, 0.2)
		f.SetFont(sans, "", footSize)
		d.ink(colMuted)
		for i, l := range d.foot {
			f.Text(left, footTop+3.8+float64(i)*footLead, l)
		}
		f.SetFont(sans, "B", 8)
		d.ink(colInk)
		num := fmt.Sprintf(d.w.page, p, pages)
		f.Text(right-f.GetStringWidth(num), footTop+4, num)
	}
}

// dash stands for a missing value.
const dash = "–"

// orNone is s, or a dash if s is empty.
func orNone(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
