package evidence

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"kipass/internal/i18n"
)

// testMessages is the catalog the report's words come from.
func testMessages() *i18n.Catalog {
	c, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return c
}

// testZone is the organisation's zone of the sample reports: Berlin, or a
// zone of the same name and offset in winter where the system has no
// time zone data.
func testZone() *time.Location {
	if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return loc
	}
	return time.FixedZone("Europe/Berlin", 3600)
}

// wordsIn is the wording of lang in the sample's zone.
func wordsIn(lang string) words { return wordsFor(testMessages().Printer(lang, testZone())) }

// TestWordsFromTheCatalog: the report's words and dates are the catalog's
// evidence.* messages and i18n.Printer's dates, in German and English;
// the dates in the organisation's zone ("2 January 2006" in English, as
// on the pages).
func TestWordsFromTheCatalog(t *testing.T) {
	c := testMessages()
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 1 January in Berlin
	for _, tc := range []struct{ lang, title, status, short, long string }{
		{"de", "Schulungsnachweis", "überfällig", "01.01.2027", "01.01.2027, 00:30 Uhr (Europe/Berlin)"},
		{"en", "Training evidence report", "overdue", "1 January 2027", "1 January 2027, 00:30 (Europe/Berlin)"},
	} {
		w := wordsIn(tc.lang)
		if w.title != c.T(tc.lang, "evidence.title") || w.title != tc.title || w.statusText(overdue) != tc.status {
			t.Errorf("%s: title %q, status %q", tc.lang, w.title, w.statusText(overdue))
		}
		if got := w.shortDate(at); got != tc.short {
			t.Errorf("%s: short date %q, want %q", tc.lang, got, tc.short)
		}
		if got := w.longDate(at); got != tc.long {
			t.Errorf("%s: long date %q, want %q", tc.lang, got, tc.long)
		}
		for _, s := range []string{w.page, w.statement, w.aggregated, w.decimal, w.statuses[invited]} {
			if s == "" || strings.Contains(s, "??") {
				t.Errorf("%s: a word is missing: %q", tc.lang, s)
			}
		}
	}
	if got := wordsIn("en").statusText("bogus"); got != "bogus" {
		t.Errorf("an unknown status shows as %q", got)
	}
}

func TestRenderNeedsMessages(t *testing.T) {
	r := sample("en", 3)
	r.Messages = nil
	if err := Render(&bytes.Buffer{}, r); err == nil {
		t.Fatal("no error without Messages")
	}
}
