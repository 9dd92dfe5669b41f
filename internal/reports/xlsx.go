package reports

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"kipass/internal/i18n"
)

// invited is the status of a person whose account was created by import
// or by an admin and who has not yet accepted the invitation (issue 15). It
// is spelled out here so that the labels do not depend on where the status
// constant itself is declared.
const invited = "invited"

// XLSXRow is one person's line in the spreadsheet. Times are instants; they
// are shown as dates in the organisation's time zone. A zero time leaves the
// cell empty.
type XLSXRow struct {
	Name          string
	Email         string
	Department    string
	Course        string    // the course's title in the report's language (or its id)
	Status        string    // not_started, in_progress, passed, expired, overdue or invited
	InvitedAt     time.Time // when the (last) invitation was sent
	PassedAt      time.Time // when the newest valid certificate was issued
	ValidUntil    time.Time // that certificate's end of validity (recertification)
	DueAt         time.Time // the assignment's due date
	CertificateID string
}

// XLSXReport is what the spreadsheet states besides its rows.
type XLSXReport struct {
	// Lang is the language of headers, status labels and date format: "de"
	// (or "de-..."), anything else is English.
	Lang string
	// Messages is the catalog of the texts; required.
	Messages *i18n.Catalog
	// Scope is the first line above the table, e.g. "Vertrieb, überfällig,
	// 6 Personen" (see ScopeText); each "\n" starts another line.
	Scope string
	// GeneratedAt, when set, adds an "as of" line with date and time in the
	// organisation's zone.
	GeneratedAt time.Time
	// TempDir is where the sheet is kept once it outgrows 16 MiB in memory
	// (about 40,000 rows); "" is os.TempDir(). Where no file can be
	// created there, excelize silently keeps the whole sheet in memory
	// (roughly 400 bytes per row), so point it at a writable folder.
	TempDir string
}

// The columns of the table, in order.
const (
	colName = iota
	colEmail
	colDepartment
	colCourse
	colStatus
	colInvited
	colPassed
	colValidUntil
	colDue
	colCertificate
	numCols
)

// ErrTooManyRows is returned by WriteXLSX when the rows do not fit on one
// sheet (Excel's limit is 1,048,576 rows, the lines above the table
// included); nothing has been written to w then.
var ErrTooManyRows = errors.New("reports: xlsx: more rows than a sheet holds")

// xlsxWords are the texts of one language.
type xlsxWords struct {
	german     bool
	sheet      string
	headers    [numCols]string
	statuses   map[string]string
	dateFormat string                   // an Excel number format
	asOf       func(t time.Time) string // the "as of" line
}

// Column widths in characters: wide enough for typical content so that the
// file is readable without resizing; dates fit their format exactly.
var xlsxWidths = [numCols]float64{30, 34, 22, 28, 16, 14, 14, 14, 14, 38}

// xlsxColumns are the catalog keys of the headers, by column.
var xlsxColumns = [numCols]string{"name", "email", "department", "course", "status", "invited", "passed", "valid_until", "due", "certificate"}

// wordsFor reads the sheet's texts (xlsx.*) in p's language; the "as of"
// line is written in p's zone.
func wordsFor(p i18n.Printer) *xlsxWords {
	w := &xlsxWords{german: p.Lang == "de", sheet: p.T("xlsx.sheet"), dateFormat: p.T("xlsx.date_format"),
		asOf: func(t time.Time) string { return p.T("xlsx.as_of", p.DateTime(t)) }}
	for i, k := range xlsxColumns {
		w.headers[i] = p.T("xlsx.col." + k)
	}
	w.statuses = map[string]string{}
	for _, s := range statuses {
		w.statuses[s] = p.T("hrstatus." + s)
	}
	return w
}

// statuses are the statuses with a label (the catalog's hrstatus.*, as
// on the dashboard).
var statuses = []string{NotStarted, InProgress, Passed, Expired, Overdue, invited}

// StatusLabel is the readable name of a status in the language ("de" or
// English) from msgs, as the spreadsheet and the dashboard show it:
// "Überfällig", "Invited". An unknown status is returned as it is.
func StatusLabel(msgs *i18n.Catalog, lang, status string) string {
	if slices.Contains(statuses, status) {
		return msgs.T(lang, "hrstatus."+status)
	}
	return status
}

// ScopeText describes what a report contains for its first line, in the
// words of msgs: the non-empty filter descriptions in order, then the
// number of people, e.g. ScopeText(msgs, "de", 6, "Vertrieb",
// "überfällig") = "Vertrieb, überfällig, 6 Personen". Without filters it
// says "Alle" / "Everyone".
func ScopeText(msgs *i18n.Catalog, lang string, people int, filters ...string) string {
	var parts []string
	for _, f := range filters {
		if f = strings.TrimSpace(f); f != "" {
			parts = append(parts, f)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, msgs.T(lang, "xlsx.everyone"))
	}
	return strings.Join(append(parts, msgs.T(lang, "xlsx.people", people)), ", ")
}

// WriteXLSX writes the rows as an .xlsx workbook to w: the scope line(s)
// (and the "as of" line) above a table whose header row is frozen and has
// an autofilter. Headers and statuses are in r.Lang; dates are date cells
// (the day in loc, nil meaning UTC) with a date number format.
//
// Every text is written as a typed string cell, never as a formula, so a
// name such as "=HYPERLINK(...)" stays text; text columns also carry the
// Text number format ("@"), so that editing such a cell in Excel does not
// turn it into a formula either. Characters that XML cannot hold are
// replaced with U+FFFD.
//
// The rows are consumed once, in order. Memory stays bounded whatever the
// number of rows: the sheet is kept in memory only up to 16 MiB and then
// in a temporary file (removed before WriteXLSX returns), and the zip file
// is compressed straight into w. w receives the first bytes only after the
// last row was read, so an error before that (ErrTooManyRows, or a
// failing temporary file) leaves w untouched.
func WriteXLSX(w io.Writer, r XLSXReport, loc *time.Location, rows iter.Seq[XLSXRow]) (err error) {
	if loc == nil {
		loc = time.UTC
	}
	if r.Messages == nil {
		return errors.New("reports: xlsx: no messages")
	}
	words := wordsFor(r.Messages.Printer(r.Lang, loc))
	f := excelize.NewFile(excelize.Options{TmpDir: r.TempDir})
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("reports: xlsx: %w", cerr)
		}
	}()
	if err := writeSheet(f, words, r, loc, rows, excelize.TotalRows); err != nil {
		if errors.Is(err, ErrTooManyRows) {
			return err
		}
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	// excelize's Write compresses the whole file into a memory buffer and
	// then copies it to w; with its zip writer hook the archive goes to w
	// directly. The hook's argument (that buffer) is left unused on purpose;
	// the buffer is only touched afterwards for ZIP64 entries (parts over
	// 4 GiB), which a report never has.
	cw := &countingWriter{w: w}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(cw) })
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("reports: xlsx: write: %w", err)
	}
	if cw.n == 0 {
		// The hook was not used (a changed excelize): fail loudly instead
		// of sending an empty file.
		return errors.New("reports: xlsx: write: nothing written")
	}
	return cw.err
}

// writeSheet fills the workbook's only sheet with at most maxRows rows
// (the lines above the table included).
func writeSheet(f *excelize.File, words *xlsxWords, r XLSXReport, loc *time.Location, rows iter.Seq[XLSXRow], maxRows int) error {
	if err := f.SetSheetName("Sheet1", words.sheet); err != nil {
		return err
	}
	language := "en"
	if words.german {
		language = "de-DE"
	}
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "kipass", LastModifiedBy: "kipass", Language: language}); err != nil {
		return err
	}
	scopeStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}})
	if err != nil {
		return err
	}
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "7F8C9D", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return err
	}
	format := words.dateFormat
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}

	sw, err := f.NewStreamWriter(words.sheet)
	if err != nil {
		return err
	}
	for c, width := range xlsxWidths {
		if err := sw.SetColWidth(c+1, c+1, width); err != nil {
			return err
		}
	}
	var above []string
	if r.Scope != "" {
		above = strings.Split(strings.ReplaceAll(r.Scope, "\r\n", "\n"), "\n")
	}
	if !r.GeneratedAt.IsZero() {
		above = append(above, words.asOf(r.GeneratedAt))
	}
	headerRow := 1
	if len(above) > 0 {
		headerRow = len(above) + 2 // one empty row between the lines and the table
	}
	if headerRow > maxRows {
		return ErrTooManyRows
	}
	lastCol, _ := excelize.ColumnNumberToName(numCols)
	// Freeze everything down to the header row, so that scope and headers
	// stay visible while scrolling.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow,
		TopLeftCell: "A" + strconv.Itoa(headerRow+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A" + strconv.Itoa(headerRow+1), ActiveCell: "A" + strconv.Itoa(headerRow+1), Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	for i, line := range above {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), []any{excelize.Cell{StyleID: scopeStyle, Value: line}}); err != nil {
			return err
		}
	}
	header := make([]any, numCols)
	for i, h := range words.headers {
		header[i] = excelize.Cell{StyleID: headerStyle, Value: h}
	}
	if err := sw.SetRow("A"+strconv.Itoa(headerRow), header, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}

	n := headerRow
	cells := make([]any, numCols)
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return excelize.Cell{StyleID: textStyle, Value: s}
	}
	date := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		// A date cell is the day as the organisation sees it. excelize
		// turns a time into a serial number by its wall clock, so give it
		// midnight of the local day.
		y, m, d := t.In(loc).Date()
		return excelize.Cell{StyleID: dateStyle, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	for row := range rows {
		if n++; n > maxRows {
			return ErrTooManyRows
		}
		cells[colName] = text(row.Name)
		cells[colEmail] = text(row.Email)
		cells[colDepartment] = text(row.Department)
		cells[colCourse] = text(row.Course)
		status := row.Status
		if l, ok := words.statuses[status]; ok {
			status = l
		}
		cells[colStatus] = text(status)
		cells[colInvited] = date(row.InvitedAt)
		cells[colPassed] = date(row.PassedAt)
		cells[colValidUntil] = date(row.ValidUntil)
		cells[colDue] = date(row.DueAt)
		cells[colCertificate] = text(row.CertificateID)
		if err := sw.SetRow("A"+strconv.Itoa(n), cells); err != nil {
			return err
		}
	}
	// The filter covers the header and every row; it is set on the
	// worksheet, which the stream writer writes out in Flush.
	ref := "A" + strconv.Itoa(headerRow) + ":" + lastCol + strconv.Itoa(n)
	if err := f.AutoFilter(words.sheet, ref, nil); err != nil {
		return err
	}
	return sw.Flush()
}

// countingWriter remembers how much was written and the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
