package certificates

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// MaxNameRunes is the longest holder name, in runes, that SafeText keeps;
// longer names are cut and end in "…".
const MaxNameRunes = 120

// maxSafeTextInput bounds the work SafeText does on hostile input: nothing
// beyond this many bytes can survive the rune cap anyway.
const maxSafeTextInput = 16 * MaxNameRunes

// SafeText returns s in a form the certificate's fonts can draw: valid UTF-8
// of runes that the Go fonts have glyphs for (they cover Latin, Greek and
// Cyrillic, not CJK, Arabic or Hebrew), with no control or format
// characters, whitespace collapsed to single spaces, and at most
// MaxNameRunes runes. Letters the fonts lack become "?" (unless their
// compatibility decomposition minus accents can be drawn: "ễ" -> "e"), symbols
// and emoji are dropped. SafeText never panics; gofpdf does on runes above
// U+FFFF, so every string that reaches it must have gone through here.
func SafeText(s string) string {
	return newGlyphSet().clean(s, MaxNameRunes)
}

// glyphSet answers whether the Go fonts can draw a rune. The regular, bold
// and italic Go fonts cover the same 709 runes (TestGlyphCoverageSame), so
// one font stands for all of them.
type glyphSet struct {
	font *sfnt.Font // nil if the font failed to parse: then ASCII only
	buf  sfnt.Buffer
}

func newGlyphSet() *glyphSet {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		f = nil
	}
	return &glyphSet{font: f}
}

// has reports whether r has a glyph. Runes above U+FFFF never do as far as
// gofpdf is concerned.
func (g *glyphSet) has(r rune) bool {
	if r < 0x20 || r > 0xFFFF || r == utf8.RuneError {
		return false
	}
	if g.font == nil {
		return r < 0x7F
	}
	gi, err := g.font.GlyphIndex(&g.buf, r)
	return err == nil && gi != 0
}

// clean implements SafeText with a rune limit of maxRunes (at least 2).
func (g *glyphSet) clean(s string, maxRunes int) string {
	if maxRunes < 2 {
		maxRunes = 2
	}
	s = truncateUTF8(s, maxSafeTextInput*(maxRunes/MaxNameRunes+1))
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))

	out := make([]rune, 0, min(len(s), maxRunes+1))
	space := false    // a space is pending before the next kept rune
	question := false // the last kept rune is a "?" standing for unknown letters
	emit := func(r rune) {
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, r)
	}
	for _, r := range s {
		if len(out) > maxRunes {
			break
		}
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.IsMark(r):
			// Control and format characters (bidi marks, zero-width
			// joiners, soft hyphens) and combining marks left over after
			// NFC: gofpdf does not position marks, so they would only
			// draw as stray accents.
			continue
		case g.has(r):
			emit(r)
			question = false
			continue
		}
		if alt := g.decompose(r); alt != "" {
			for _, a := range alt {
				if unicode.IsSpace(a) { // e.g. U+1FCF decomposes to a space and marks
					space = true
					continue
				}
				emit(a)
			}
			question = false
			continue
		}
		if (unicode.IsLetter(r) || unicode.IsNumber(r) || r == utf8.RuneError) && !(question && !space) {
			emit('?')
			question = true
		}
		// Anything else (emoji, symbols, private use) is dropped.
	}
	if len(out) > maxRunes {
		out = out[:maxRunes-1]
		for len(out) > 0 && out[len(out)-1] == ' ' {
			out = out[:len(out)-1]
		}
		out = append(out, '…')
	}
	return string(out)
}

// decompose returns the compatibility decomposition of r without marks if
// the font can draw all of it, for example "ș" -> "s" or "Ｍ" -> "M".
func (g *glyphSet) decompose(r rune) string {
	if r == 'ẞ' { // capital sharp s, missing from the Go fonts
		return "SS"
	}
	d := norm.NFKD.String(string(r))
	if d == string(r) {
		return ""
	}
	var b strings.Builder
	for _, x := range d {
		if unicode.IsMark(x) {
			continue
		}
		if !g.has(x) {
			return ""
		}
		b.WriteRune(x)
	}
	return b.String()
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
