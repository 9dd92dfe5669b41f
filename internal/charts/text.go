package charts

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText makes caller-supplied text safe to embed in XML: invalid
// UTF-8 becomes U+FFFD, characters outside the XML 1.0 character range
// are dropped, as are explicit bidi embeddings, overrides and isolates
// (which could visually reorder the numbers shown next to a label), and
// runs of whitespace (including line breaks and tabs)
// collapse to a single space.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case !isXMLChar(r) || isBidiControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isXMLChar reports whether r may appear in an XML 1.0 document. Tab,
// line feed and carriage return are allowed by XML but are handled as
// whitespace by cleanText before this is consulted.
func isXMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0x7F && r <= 0x9F: // C1 controls: legal XML, but never wanted
		return false
	case r >= 0xD800 && r <= 0xDFFF:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	}
	return r <= unicode.MaxRune
}

// isBidiControl reports whether r is one of U+202A…U+202E or
// U+2066…U+2069.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// esc escapes already cleaned text for use in XML/HTML text and in
// double- or single-quoted attribute values.
func esc(s string) string { return html.EscapeString(s) }

// runeWidth estimates how many "average character" cells r occupies:
// 0 for combining marks and format characters, 2 for wide East Asian
// characters and most emoji, 1 otherwise.
func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

// isWide is a coarse test for characters that render about twice as
// wide as a Latin letter.
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0xA4CF, // CJK radicals … Yi
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1FAFF, // emoji and pictographs
		r >= 0x20000 && r <= 0x3FFFD: // CJK extension planes
		return true
	}
	return false
}

// textWidth is the estimated width of s in character cells.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// truncate shortens cleaned text s to at most maxCells cells, ending it
// with "…" when anything was cut. Combining marks stay with their base
// character; a dangling joiner or trailing space is removed before the
// ellipsis.
func truncate(s string, maxCells int) string {
	if textWidth(s) <= maxCells {
		return s
	}
	if maxCells < 1 {
		return "…"
	}
	limit := maxCells - 1 // room for the ellipsis
	w, cut := 0, 0
	for i, r := range s {
		rw := runeWidth(r)
		if rw > 0 && w+rw > limit {
			break
		}
		w += rw
		cut = i + utf8.RuneLen(r)
	}
	head := strings.TrimRightFunc(s[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
	})
	return head + "…"
}
