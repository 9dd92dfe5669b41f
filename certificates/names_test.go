package certificates

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"kipass/internal/pdfscan"
)

func TestSafeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Zoë Ångström-Łukasiewicz", "Zoë Ångström-Łukasiewicz"},
		{"  Anna \t\n  Beispiel  ", "Anna Beispiel"},
		{"Anna\u00a0Beispiel", "Anna Beispiel"},                  // no-break space
		{"An\x00na\x07 Bei\x1bspiel\u007f", "Anna Beispiel"},     // control characters
		{"Anna 😀 Beispiel 👨‍👩‍👧", "Anna Beispiel"},               // emoji, ZWJ sequences
		{"Anna\u200d\u200e\u202eBeispiel\ufeff", "AnnaBeispiel"}, // format characters
		{"山田 太郎", "? ?"},                                         // CJK: one "?" per unknown word
		{"Li 李小龍", "Li ?"},
		{"דוד כהן", "? ?"},                               // Hebrew, right to left
		{"محمد", "?"},                                    // Arabic
		{"Ιωάννης Παπαδόπουλος", "Ιωάννης Παπαδόπουλος"}, // Greek is covered
		{"Дмитрий Шостакович", "Дмитрий Шостакович"},     // and Cyrillic
		{"Jose\u0301", "José"},                           // combining accent, composed (NFC)
		{"Nguyễn Thị Ánh", "Nguyen Thi Ánh"},             // missing letters lose their accents
		{"Ștefan Țiriac", "Ștefan Țiriac"},               // Romanian comma-below letters are covered
		{"ＭＡＸ", "MAX"},                                   // full width
		{"GROẞ", "GROSS"},
		{"q\u0303", "q"},           // a mark with no precomposed letter is dropped
		{"\xff\xfeAnna", "?Anna"},  // invalid UTF-8
		{"𝐀𝐧𝐧𝐚", "Anna"},           // mathematical bold, above U+FFFF
		{"𠀀 Anna", "? Anna"},       // CJK extension B, above U+FFFF
		{"\U0010FFFF\uE000x", "x"}, // private use
		{"", ""},
		{"😀", ""},
	}
	for _, tt := range tests {
		if got := SafeText(tt.in); got != tt.want {
			t.Errorf("SafeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeTextCapsLength(t *testing.T) {
	got := SafeText(strings.Repeat("Abcdefghij ", 50))
	if n := utf8.RuneCountInString(got); n != MaxNameRunes {
		t.Errorf("length %d runes, want %d", n, MaxNameRunes)
	}
	if !strings.HasSuffix(got, "…") || strings.HasSuffix(got, " …") {
		t.Errorf("cut name = %q, want a trailing … without a space before it", got)
	}
	exact := strings.Repeat("x", MaxNameRunes)
	if got := SafeText(exact); got != exact {
		t.Errorf("a name of exactly MaxNameRunes runes was changed to %q", got)
	}
	// Megabytes of input are cut early, not worked through.
	if got := SafeText(strings.Repeat("😀", 1<<20) + "Anna"); got != "" {
		t.Errorf("got %q", got)
	}
}

// safeTextInvariants checks what every SafeText result must satisfy.
func safeTextInvariants(t *testing.T, in, out string) {
	t.Helper()
	g := newGlyphSet()
	if !utf8.ValidString(out) {
		t.Fatalf("SafeText(%q) = %q: invalid UTF-8", in, out)
	}
	if n := utf8.RuneCountInString(out); n > MaxNameRunes {
		t.Fatalf("SafeText(%q) has %d runes", in, n)
	}
	if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
		t.Fatalf("SafeText(%q) = %q: whitespace not normalised", in, out)
	}
	for _, r := range out {
		if !g.has(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsMark(r) {
			t.Fatalf("SafeText(%q) = %q contains %U", in, out, r)
		}
	}
	if again := SafeText(out); again != out {
		t.Fatalf("SafeText is not idempotent: %q -> %q -> %q", in, out, again)
	}
}

// The regular, bold and italic Go fonts cover the same runes, so the
// regular font can stand for all in glyphSet.
func TestGlyphCoverageSame(t *testing.T) {
	coverage := func(ttf []byte) map[rune]bool {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		m := map[rune]bool{}
		for r := rune(0); r <= 0xFFFF; r++ {
			if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
				m[r] = true
			}
		}
		return m
	}
	regular := coverage(goregular.TTF)
	for name, ttf := range map[string][]byte{"bold": gobold.TTF, "italic": goitalic.TTF} {
		other := coverage(ttf)
		for r := range regular {
			if !other[r] {
				t.Errorf("%s lacks %U", name, r)
			}
		}
		for r := range other {
			if !regular[r] {
				t.Errorf("regular lacks %U that %s has", r, name)
			}
		}
	}
}

// Names no font covers still give a valid PDF, and the parts that can be
// drawn arrive in the text layer.
func TestRenderHostileNames(t *testing.T) {
	names := []string{
		"李小龍 😀 Ιωάννης \u202eדוד\u0007 Ṩørën\u200d👨‍👩‍👧",
		"\x00\x01\x02(\\)) <</Type /Catalog>> endobj %%EOF",
		strings.Repeat("W", 5000),
		strings.Repeat("😀", 300),
		"\xff\xfe\xfd",
		"Maximiliane Theodora Wilhelmine Friederike von und zu Hohenberg-Schwarzenfels-Lichtenstein",
		"",
	}
	for _, name := range names {
		for _, lang := range []string{"de", "en"} {
			b, err := RenderPDF(testMessages(), pdfTestCert(name), pdfTestIssuer, lang, pdfTestJWT)
			if err != nil {
				t.Fatalf("RenderPDF(testMessages(), %.40q): %v", name, err)
			}
			if _, err := pdfscan.Parse(b, pdfscan.Limits{}); err != nil {
				t.Fatalf("RenderPDF(testMessages(), %.40q) gives an unreadable PDF: %v", name, err)
			}
		}
	}

	// A long name goes on two lines; both reach the text layer.
	pdfNeedTool(t, "pdftotext")
	b, err := RenderPDF(testMessages(), pdfTestCert(names[5]), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfRunTool(t, "pdftotext", file, "-")), " ")
	if !strings.Contains(text, names[5]) {
		t.Errorf("long name missing from text:\n%s", text)
	}
	b, err = RenderPDF(testMessages(), pdfTestCert(names[0]), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if text := pdfRunTool(t, "pdftotext", file, "-"); !strings.Contains(text, "? Ιωάννης ? Sørën") {
		t.Errorf("hostile name not drawn as expected:\n%s", text)
	}
}

// FuzzRenderName feeds arbitrary holder names to SafeText and RenderPDF:
// no panic, always a PDF.
func FuzzRenderName(f *testing.F) {
	for _, s := range []string{"Zoë Ångström-Łukasiewicz", "李小龍 😀", "\u202eדוד", "\x00\xff", "𝐀", "e\u0301\u0302\u0303",
		strings.Repeat("ﷺ", 50), "(\\) <<>> %"} {
		f.Add(s)
	}
	c := pdfTestCert("")
	f.Fuzz(func(t *testing.T, name string) {
		safeTextInvariants(t, name, SafeText(name))
		c.HolderName = name
		b, err := RenderPDF(testMessages(), c, pdfTestIssuer, "de", "x.y.z")
		if err != nil {
			t.Fatalf("RenderPDF(testMessages(), %q): %v", name, err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[len(b)-8:], []byte("%%EOF")) {
			t.Fatalf("RenderPDF(testMessages(), %q) is not a PDF", name)
		}
	})
}

// FuzzSafeText explores names much faster than FuzzRenderName can.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"Zoë Ångström-Łukasiewicz", "李小龍 😀", "\u202eדוד", "\x00\xff", "𝐀", "e\u0301\u0302", "ẞ", "ﬃ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		safeTextInvariants(t, s, SafeText(s))
	})
}
