package evidence

import (
	"strings"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"

	"kipass/certificates"
)

// clean returns s in a form the Go fonts can draw, exactly as
// certificates.SafeText does (at most certificates.MaxNameRunes runes),
// but without its cost for the common case of text that is already safe.
// Every string from the caller goes through here before it reaches gofpdf,
// which panics on runes it cannot encode.
func clean(s string) string {
	if plain(s) {
		return s
	}
	return certificates.SafeText(s)
}

// plain reports whether SafeText would return s unchanged because s is
// short, consists of printable ASCII and Latin-1 letters and signs (all of
// which the Go fonts draw, and all of which are in NFC) and has no leading,
// trailing or double spaces. Checked against SafeText by TestPlain and
// FuzzClean.
func plain(s string) bool {
	space := true // at the start a space would be leading
	n := 0
	for _, r := range s {
		if n++; n > certificates.MaxNameRunes {
			return false
		}
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
		case r > ' ' && r < 0x7F, r >= 0xA1 && r <= 0xFF && r != 0xAD:
			space = false
		default:
			return false
		}
	}
	return s == "" || !space
}

// fit returns s, or s cut and ended with "…", so that it is at most width
// wide in the current font. gofpdf does not kern, so widths add up.
func fit(f *gofpdf.Fpdf, s string, width float64) string {
	if f.GetStringWidth(s) <= width {
		return s
	}
	avail := width - f.GetStringWidth("…")
	used := 0.0
	var buf [utf8.UTFMax]byte
	for i, r := range s {
		used += f.GetStringWidth(string(buf[:utf8.EncodeRune(buf[:], r)]))
		if used > avail {
			return strings.TrimRight(s[:i], " ") + "…"
		}
	}
	return s
}

// wrap splits s into lines at most width wide in the current font,
// breaking at spaces where it can. It is never empty.
func wrap(f *gofpdf.Fpdf, s string, width float64) []string {
	lines := f.SplitText(s, width)
	if len(lines) == 0 {
		return []string{""}
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}
