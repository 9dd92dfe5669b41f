package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestCatalogLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) < 100 || !c.Has("time.date_time") {
		t.Fatalf("catalog has %d keys", len(c.Keys()))
	}
}

func TestCatalogRefusesIncompleteFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"key in one language only": {
			"messages/a.de.json": {Data: []byte(`{"x": "ja", "y": "nein"}`)},
			"messages/a.en.json": {Data: []byte(`{"x": "yes"}`)},
		},
		"key defined twice": {
			"messages/a.de.json": {Data: []byte(`{"x": "ja"}`)},
			"messages/b.de.json": {Data: []byte(`{"x": "doch"}`)},
			"messages/a.en.json": {Data: []byte(`{"x": "yes"}`)},
		},
		"plural without other": {
			"messages/a.de.json": {Data: []byte(`{"n": "%d", "n.one": "%d Konto"}`)},
			"messages/a.en.json": {Data: []byte(`{"n": "%d", "n.one": "%d account"}`)},
		},
		"unknown language": {
			"messages/a.fr.json": {Data: []byte(`{"x": "oui"}`)},
		},
		"not JSON": {
			"messages/a.de.json": {Data: []byte(`{"x": `)},
		},
	} {
		if _, err := load(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestPlurals(t *testing.T) {
	c, err := load(fstest.MapFS{
		"messages/a.de.json": {Data: []byte(`{"n": "%d Konten", "n.one": "%d Konto", "n.other": "%d Konten"}`)},
		"messages/a.en.json": {Data: []byte(`{"n": "%d accounts", "n.one": "%d account", "n.other": "%d accounts"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    any
		want string
	}{
		{"de", 1, "1 Konto"}, {"de", 2, "2 Konten"}, {"de", 0, "0 Konten"}, {"de-AT", int64(1), "1 Konto"},
		{"en", 1, "1 account"}, {"en", 21, "21 accounts"}, {"fr", 1, "1 account"}, {"en", -1, "-1 account"},
	} {
		if got := c.T(tc.lang, "n", tc.n); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := c.T("de", "missing"); got != "??missing??" {
		t.Errorf("a missing key shows as %q", got)
	}
}

func TestDatesAndTimes(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 1 January in Berlin
	de, en := c.Printer("de", berlin), c.Printer("en", berlin)
	for _, tc := range []struct{ got, want string }{
		{de.Date(at), "01.01.2027"},
		{en.Date(at), "1 January 2027"},
		{c.Printer("de", nil).Date(at), "31.12.2026"},
		{de.Clock(at), "00:30"},
		{de.DateTime(at), "01.01.2027, 00:30 Uhr (Europe/Berlin)"},
		{en.DateTime(at), "1 January 2027, 00:30 (Europe/Berlin)"},
		{de.DateClock(at), "01.01.2027, 00:30 Uhr"},
		{en.DateClock(at), "1 January 2027, 00:30"},
		{de.Month(at), "Jan. 2027"},
		{de.Month(at.AddDate(0, -10, 0)), "März 2026"},
		{en.Month(at.AddDate(0, -10, 0)), "Mar 2026"},
		{de.Date(time.Time{}), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
	for _, m := range []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		d, _ := time.Parse("Jan", m)
		if s := de.Month(d); strings.Contains(s, "??") {
			t.Errorf("no German name for %s: %s", m, s)
		}
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"de": "de", "DE-at": "de", "de_CH": "de", "en": "en", "": "en", "fr": "en", "dee": "en"} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}
