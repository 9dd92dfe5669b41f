package evidence

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"kipass/certificates"
)

func TestTotals(t *testing.T) {
	row := func(dept, status string) Row { return Row{Name: "x", Department: dept, Status: status} }
	tests := []struct {
		name string
		rows []Row
		want []Total
	}{
		{"no rows", nil, []Total{}},
		{
			"one of each status",
			[]Row{row("Vertrieb", passed), row("Vertrieb", overdue), row("Vertrieb", expired),
				row("Vertrieb", inProgress), row("Vertrieb", notStarted)},
			[]Total{{Department: "Vertrieb", People: 5, Passed: 1, Overdue: 1, Expired: 1, InProgress: 1, NotStarted: 1}},
		},
		{
			"unknown status counts as a person only",
			[]Row{row("IT", "revoked"), row("IT", ""), row("IT", passed)},
			[]Total{{Department: "IT", People: 3, Passed: 1}},
		},
		{
			"sorted ignoring case and accents, no department first",
			[]Row{row("buchhaltung", passed), row("Ärzte", overdue), row("", notStarted), row("Apotheke", passed),
				row("Ärzte", passed), row("Zentrale", expired), row("Straße", inProgress), row("Strasse", inProgress)},
			[]Total{
				{Department: "", People: 1, NotStarted: 1},
				{Department: "Apotheke", People: 1, Passed: 1},
				{Department: "Ärzte", People: 2, Passed: 1, Overdue: 1},
				{Department: "buchhaltung", People: 1, Passed: 1},
				{Department: "Strasse", People: 1, InProgress: 1},
				{Department: "Straße", People: 1, InProgress: 1},
				{Department: "Zentrale", People: 1, Expired: 1},
			},
		},
		{
			"departments are exact strings",
			[]Row{row("Sales", passed), row("sales", passed), row("Sales ", passed)},
			[]Total{
				{Department: "Sales", People: 1, Passed: 1},
				{Department: "sales", People: 1, Passed: 1}, // same key as "Sales": byte order
				{Department: "Sales ", People: 1, Passed: 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Totals(tt.rows)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Totals =\n%+v\nwant\n%+v", got, tt.want)
			}
			all := Sum(got)
			if all.People != len(tt.rows) {
				t.Errorf("sum of people = %d, want %d", all.People, len(tt.rows))
			}
		})
	}
}

func TestFold(t *testing.T) {
	ts := []Total{
		{Department: "A", People: 5, Passed: 5},
		{Department: "B", People: 4, Passed: 1, Overdue: 3},
		{Department: "C", People: 12, Expired: 2},
		{Department: "D", People: 1, NotStarted: 1},
	}
	big, rest, n := Fold(ts, 5)
	if want := []Total{ts[0], ts[2]}; !reflect.DeepEqual(big, want) {
		t.Errorf("big = %+v, want %+v", big, want)
	}
	if want := (Total{People: 5, Passed: 1, Overdue: 3, NotStarted: 1}); rest != want || n != 2 {
		t.Errorf("rest = %+v, n = %d; want %+v, 2", rest, n, want)
	}
	if big, _, n := Fold(nil, 5); len(big) != 0 || n != 0 {
		t.Errorf("Fold(nil) = %v, %d", big, n)
	}
	// A rest under the group size would be revealed by subtraction: the
	// smallest listed department is folded in until the rest is big enough.
	ts = []Total{{Department: "A", People: 6}, {Department: "B", People: 9}, {Department: "C", People: 1, Passed: 1}}
	big, rest, n = Fold(ts, 5)
	if len(big) != 1 || big[0].Department != "B" || rest.People != 7 || n != 2 {
		t.Errorf("small rest: big %+v rest %+v n %d", big, rest, n)
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		part, whole int
		dec, want   string
	}{
		{0, 0, ".", "–"},
		{0, 7, ".", "0 %"},
		{1, 3, ",", "33 %"},
		{2, 3, ".", "67 %"}, // rounded half up, as on the dashboard
		{1, 8, ".", "13 %"}, // 12.5: half up
		{999, 1000, ".", "99 %"},
		{1999, 2000, ".", "99 %"}, // never 100 unless everyone
		{5, 5, ",", "100 %"},
	}
	for _, tt := range tests {
		if got := percent(tt.part, tt.whole, tt.dec); got != tt.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tt.part, tt.whole, got, tt.want)
		}
	}
}

// TestPlain checks the shortcut around SafeText: it must only accept text
// that SafeText leaves alone, and it must accept typical German and
// French names so that large reports do not pay for SafeText.
func TestPlain(t *testing.T) {
	for r := rune(0); r < 0x400; r++ {
		for _, s := range []string{string(r), "a" + string(r) + "b", "a " + string(r)} {
			if plain(s) && certificates.SafeText(s) != s {
				t.Errorf("plain(%q) but SafeText gives %q", s, certificates.SafeText(s))
			}
		}
	}
	for _, s := range []string{"Jürgen Groß-Müller", "Zoë Ångström", "Élodie Straße", "q9Xk2LmN0pRs7TuVwYz3Ab", "", "Vertrieb & Co."} {
		if !plain(s) {
			t.Errorf("plain(%q) = false", s)
		}
	}
	for _, s := range []string{" a", "a ", "a  b", "a\tb", "a\u00a0b", "soft\u00adhyphen", "\xff", "Ιωάννης",
		strings.Repeat("x", certificates.MaxNameRunes+1)} {
		if plain(s) {
			t.Errorf("plain(%q) = true", s)
		}
	}
	exact := strings.Repeat("ä", certificates.MaxNameRunes)
	if !plain(exact) || certificates.SafeText(exact) != exact {
		t.Errorf("a name of exactly MaxNameRunes runes is not plain or not kept")
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"Jürgen", " a  b ", "\xff", "😀", strings.Repeat("é", 130), "a\u00adb", "ÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := clean(s), certificates.SafeText(s)
		if got != want {
			t.Fatalf("clean(%q) = %q, SafeText = %q", s, got, want)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("clean(%q) = %q is not valid UTF-8", s, got)
		}
	})
}

// TestFontsUntouched checks that rendering leaves the shared Go font
// bytes as they were (gofpdf writes into the bytes it is given).
func TestFontsUntouched(t *testing.T) {
	fonts := map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "mono": gomono.TTF}
	before := map[string][32]byte{}
	for name, b := range fonts {
		before[name] = sha256.Sum256(b)
	}
	// Reports whose monospaced text uses different glyphs: gofpdf's
	// write depends on the last glyph it subsets.
	low, high := sample("en", 3), sample("en", 3)
	low.ContentVersion, high.ContentVersion = "0", "~"
	for i := range low.Rows {
		low.Rows[i].CertificateID, high.Rows[i].CertificateID = "0", "~ÿ"
	}
	for i, r := range []Report{low, high, hostile(), low} {
		if err := Render(&bytes.Buffer{}, r); err != nil {
			t.Fatal(err)
		}
		for name, b := range fonts {
			if sha256.Sum256(b) != before[name] {
				t.Fatalf("rendering report %d changed the %s Go font", i, name)
			}
		}
	}
}
