package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	later, earlier := now.AddDate(0, 1, 0), now.AddDate(0, -1, 0)
	for _, tc := range []struct {
		name string
		f    Facts
		want string
	}{
		{"nothing", Facts{}, NotStarted},
		{"assigned, not due", Facts{Assigned: true, DueAt: later}, NotStarted},
		{"started", Facts{Started: true}, InProgress},
		{"started, due later", Facts{Started: true, Assigned: true, DueAt: later}, InProgress},
		{"valid certificate", Facts{Started: true, CertificateEnd: later}, Passed},
		{"valid certificate beats a passed due date", Facts{CertificateEnd: later, Assigned: true, DueAt: earlier}, Passed},
		{"expired certificate", Facts{Started: true, CertificateEnd: earlier}, Expired},
		{"expired certificate, recertification overdue", Facts{CertificateEnd: earlier, Assigned: true, DueAt: earlier}, Overdue},
		{"expired certificate, recertification due later", Facts{CertificateEnd: earlier, Assigned: true, DueAt: later}, Expired},
		{"overdue, never started", Facts{Assigned: true, DueAt: earlier}, Overdue},
		{"overdue, started", Facts{Started: true, Assigned: true, DueAt: earlier}, Overdue},
		{"due exactly now", Facts{Assigned: true, DueAt: now}, Overdue},
		{"certificate ends exactly now", Facts{CertificateEnd: now}, Expired},
		{"due date without assignment is ignored", Facts{DueAt: earlier}, NotStarted},
		{"assigned without due date", Facts{Assigned: true}, NotStarted},
	} {
		if got := Status(tc.f, now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if !ValidStatus(tc.want) {
			t.Errorf("%s not a valid status", tc.want)
		}
	}
	if ValidStatus("done") {
		t.Error("unknown status accepted")
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSVWriter(&buf, ';')
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"name", "department", "note"},
		{"Zoë Ångström", "Vertrieb; Nord", `=HYPERLINK("http://x","y")`},
		{"+49 30 1234", "-5", "@SUM(A1)"},
		{"\tTab", "\rCR", "line\nbreak \"quoted\""},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF") {
		t.Fatal("no byte order mark")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	r.Comma = ';'
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"name", "department", "note"},
		{"Zoë Ångström", "Vertrieb; Nord", `'=HYPERLINK("http://x","y")`},
		{"'+49 30 1234", "'-5", "'@SUM(A1)"},
		// encoding/csv with CRLF line ends drops a lone \r; the cell is still neutralised.
		{"'\tTab", "'CR", "line\nbreak \"quoted\""},
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d: %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}

func FuzzSafeCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "-", "plain", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SafeCell(s)
		if out != "" && strings.ContainsRune("=+-@\t\r", rune(out[0])) {
			t.Fatalf("%q stays dangerous as %q", s, out)
		}
		if !strings.HasSuffix(out, s) {
			t.Fatalf("%q lost content: %q", s, out)
		}
	})
}

func TestDueDate(t *testing.T) {
	d1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	d2 := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		due, certEnd, want time.Time
	}{
		{time.Time{}, d2, time.Time{}}, // not assigned
		{d1, time.Time{}, d1},          // assigned, no certificate
		{d1, d2, d2},                   // certificate earned: recertification at its end
		{d2, d1, d2},                   // a later assignment round
	} {
		if got := DueDate(tc.due, tc.certEnd); !got.Equal(tc.want) {
			t.Errorf("DueDate(%v, %v) = %v, want %v", tc.due, tc.certEnd, got, tc.want)
		}
	}
}
