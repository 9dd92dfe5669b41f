package charts

import (
	"strconv"
	"strings"
)

// phrases holds the few words the package generates itself: the
// spoken summary in <desc> and the table headers.
type phrases struct {
	decimal     byte   // decimal separator
	group       string // thousands separator (used from five digits on)
	chart       string // fallback title
	bars        func(n int) string
	points      func(n int) string
	highest     string
	lowest      string
	last        string
	allValues   string // summary when every value is the same
	noData      string // spoken summary of an empty chart
	rangeFmt    func(from, to string) string
	itemHeader  string
	timeHeader  string
	valueHeader string
	noteHeader  string
}

// phrasesFor returns the phrase set for a BCP 47 language tag. German
// ("de", "de-CH", …) is supported; everything else falls back to English.
func phrasesFor(lang string) phrases {
	if l := strings.ToLower(lang); l == "de" || strings.HasPrefix(l, "de-") || strings.HasPrefix(l, "de_") {
		return phrases{
			decimal: ',', group: ".", chart: "Diagramm",
			bars:    func(n int) string { return plural(n, "Balken", "Balken") },
			points:  func(n int) string { return plural(n, "Messpunkt", "Messpunkte") },
			highest: "Höchster Wert", lowest: "Niedrigster Wert", last: "Letzter Wert",
			allValues: "Alle Werte", noData: "Keine Daten",
			rangeFmt:   func(from, to string) string { return "von " + from + " bis " + to },
			itemHeader: "Eintrag", timeHeader: "Zeitraum", valueHeader: "Wert", noteHeader: "Hinweis",
		}
	}
	return phrases{
		decimal: '.', group: ",", chart: "Chart",
		bars:    func(n int) string { return plural(n, "bar", "bars") },
		points:  func(n int) string { return plural(n, "data point", "data points") },
		highest: "Highest", lowest: "Lowest", last: "Last value",
		allValues: "All values", noData: "No data",
		rangeFmt:   func(from, to string) string { return "from " + from + " to " + to },
		itemHeader: "Item", timeHeader: "Period", valueHeader: "Value", noteHeader: "Note",
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// number formats v for display with at most dec decimals (trailing
// zeros removed), the locale's decimal separator and, from five integer
// digits on, a thousands separator.
func (p phrases) number(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	if len(intPart) >= 5 {
		intPart = groupDigits(intPart, p.group)
	}
	if neg && (intPart != "0" || frac != "") {
		intPart = "-" + intPart
	}
	if frac == "" {
		return intPart
	}
	return intPart + string(p.decimal) + frac
}

func groupDigits(digits, sep string) string {
	var b strings.Builder
	lead := len(digits) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(digits[:lead])
	for i := lead; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// withUnit appends unit to a formatted number. A percent sign follows
// English numbers directly; every other combination uses a no-break space.
func (p phrases) withUnit(num, unit string) string {
	switch {
	case unit == "":
		return num
	case unit == "%" && p.decimal == '.':
		return num + "%"
	}
	return num + "\u00a0" + unit
}

// value is the display form of a data value: one decimal at most.
func (p phrases) value(v float64, unit string) string {
	return p.withUnit(p.number(v, 1), unit)
}
