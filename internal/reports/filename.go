package reports

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxNamePart is the longest scope part in a file name, in bytes; longer
// ones (a long search term) are cut at a word boundary where possible.
const maxNamePart = 40

// FileName is the download name of a report that states its scope:
// FileName("xlsx", day, "Vertrieb", "überfällig") =
// "kipass-report-vertrieb-ueberfaellig-2026-12-03.xlsx". Each scope part is
// reduced to lower-case ASCII letters and digits joined by "-" (German
// umlauts as ae, oe, ue, ss; other accents dropped); parts left empty are
// skipped. The date is day's calendar date in its own location, so pass
// the time in the organisation's zone. ext is kept to ASCII letters and
// digits. The result needs no quoting in a Content-Disposition header.
func FileName(ext string, day time.Time, scope ...string) string {
	var b strings.Builder
	b.WriteString("kipass-report")
	for _, p := range scope {
		if s := slug(p); s != "" {
			b.WriteByte('-')
			b.WriteString(s)
		}
	}
	b.WriteByte('-')
	b.WriteString(day.Format("2006-01-02"))
	if e := slug(ext); e != "" {
		b.WriteByte('.')
		b.WriteString(strings.ReplaceAll(e, "-", ""))
	}
	return b.String()
}

// umlauts are the German spellings without diacritics.
var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss", "ẞ", "ss")

// slug reduces s to [a-z0-9] runs joined by single hyphens, at most
// maxNamePart bytes.
func slug(s string) string {
	s = norm.NFD.String(umlauts.Replace(norm.NFC.String(strings.ToValidUTF8(s, ""))))
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r): // accents after NFD: "é" -> "e"
			continue
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		default:
			hyphen = b.Len() > 0
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > maxNamePart {
		out = out[:maxNamePart]
		if i := strings.LastIndexByte(out, '-'); i > maxNamePart/2 {
			out = out[:i]
		}
		out = strings.TrimRight(out, "-")
	}
	return out
}
