package reports

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"kipass/internal/i18n"
)

// messages is the catalog the spreadsheet's texts come from.
func messages() *i18n.Catalog {
	c, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return c
}

// TestTextsFromTheCatalog: headers, scope and "as of" line are the
// catalog's xlsx.* messages in German and English, the number of people
// in its plural forms, the date and time as i18n.Printer writes them.
func TestTextsFromTheCatalog(t *testing.T) {
	c := messages()
	at := time.Date(2026, 12, 3, 6, 45, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, one, many, header, asOf string }{
		{"de", "Alle, 1 Person", "Alle, 2 Personen", "Fällig am", "Stand: 03.12.2026, 06:45 Uhr (UTC)"},
		{"en", "Everyone, 1 person", "Everyone, 2 people", "Due on", "As of 3 December 2026, 06:45 (UTC)"},
	} {
		if got := ScopeText(c, tc.lang, 1); got != tc.one {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.one)
		}
		if got := ScopeText(c, tc.lang, 2); got != tc.many {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.many)
		}
		w := wordsFor(c.Printer(tc.lang, nil))
		if w.headers[colDue] != tc.header || w.headers[colDue] != c.T(tc.lang, "xlsx.col.due") {
			t.Errorf("%s: header %q, want %q", tc.lang, w.headers[colDue], tc.header)
		}
		if got := w.asOf(at); got != tc.asOf {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.asOf)
		}
	}
	if err := WriteXLSX(&bytes.Buffer{}, XLSXReport{Lang: "de"}, nil, slices.Values([]XLSXRow{})); err == nil {
		t.Error("a workbook without messages")
	}
}
