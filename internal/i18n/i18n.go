// Package i18n is kipass's one translation layer: the message catalog of
// every text a person reads (pages, emails, the HR reports, the
// certificate), plural forms by the CLDR rules of golang.org/x/text, and
// the way dates and times are written in each language.
//
// Messages live in messages/<area>.<lang>.json, one flat key per message;
// every key exists in every language. Beside a message "key" (the
// fallback), "key.one", "key.other" (and "key.zero", "key.two",
// "key.few", "key.many" where a language needs them) hold its forms; the
// first integer argument chooses one ("1 Konto", "2 Konten").
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

//go:embed messages/*.json
var files embed.FS

// Languages are the languages kipass speaks; the first is the default.
func Languages() []string { return []string{"de", "en"} }

// Lang is the supported language for a language tag: "de" for German
// ("de", "de-AT"), else "en".
func Lang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "de" || strings.HasPrefix(tag, "de-") || strings.HasPrefix(tag, "de_") {
		return "de"
	}
	return "en"
}

// Catalog holds every message in every language. It is read once and
// never changed, so one value serves all goroutines.
type Catalog struct {
	msgs map[string]map[string]string // language, key: text
}

// Load reads the embedded catalog and checks it: every key in every
// language, each plural form with its ".other" and its base key.
func Load() (*Catalog, error) { return load(files) }

func load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	names, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	for _, lang := range Languages() {
		c.msgs[lang] = map[string]string{}
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		i := strings.LastIndexByte(base, '.')
		lang := base[i+1:]
		if i < 0 || c.msgs[lang] == nil {
			return nil, fmt.Errorf("i18n: %s: want messages/<area>.<de|en>.json", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		for k, s := range m {
			if _, dup := c.msgs[lang][k]; dup {
				return nil, fmt.Errorf("i18n: %s: %q is defined twice", name, k)
			}
			c.msgs[lang][k] = s
		}
	}
	for _, a := range Languages() {
		for key := range c.msgs[a] {
			for _, b := range Languages() {
				if _, ok := c.msgs[b][key]; !ok {
					return nil, fmt.Errorf("i18n: %q is in %s but not in %s", key, a, b)
				}
			}
			if base, ok := strings.CutSuffix(key, ".one"); ok {
				if c.msgs[a][base+".other"] == "" || c.msgs[a][base] == "" {
					return nil, fmt.Errorf("i18n: %s: %q lacks %q or its base key", a, key, base+".other")
				}
			}
		}
	}
	return c, nil
}

// Keys lists every key, sorted.
func (c *Catalog) Keys() []string {
	var out []string
	for k := range c.msgs[Languages()[0]] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Lookup is the text of key in lang, in the plural form the first
// integer of args asks for, without formatting; ok is false for an
// unknown key.
func (c *Catalog) Lookup(lang, key string, args ...any) (string, bool) {
	m := c.msgs[Lang(lang)]
	s, ok := m[pluralKey(m, Lang(lang), key, args)]
	return s, ok
}

// Has reports whether key is a message.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Languages()[0]][key]
	return ok
}

// T is the message key in lang, formatted with args (fmt verbs); an
// unknown key shows as "??key??" so that a missing text is seen, never
// hidden.
func (c *Catalog) T(lang, key string, args ...any) string {
	s, ok := c.Lookup(lang, key, args...)
	if !ok {
		return "??" + key + "??"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// pluralForms are the CLDR form names by plural.Form.
var pluralForms = [...]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// pluralKey returns the key of the form that the first integer of args
// takes in lang, when the messages have one; else key.
func pluralKey(msgs map[string]string, lang, key string, args []any) string {
	n, ok := firstInt(args)
	if !ok {
		return key
	}
	if n < 0 {
		n = -n
	}
	form := plural.Cardinal.MatchPlural(language.Make(lang), n, 0, 0, 0, 0)
	if int(form) < len(pluralForms) {
		if k := key + "." + pluralForms[form]; msgs[k] != "" {
			return k
		}
	}
	if k := key + ".other"; msgs[k] != "" {
		return k
	}
	return key
}

// firstInt is the first integer among args.
func firstInt(args []any) (int, bool) {
	for _, a := range args {
		switch n := a.(type) {
		case int:
			return n, true
		case int64:
			return int(n), true
		}
	}
	return 0, false
}

// Printer writes messages, dates and times for one reader: a language
// and the organisation's time zone. The zero Zone is UTC.
type Printer struct {
	c    *Catalog
	Lang string
	Zone *time.Location
}

// Printer is a Printer for lang in zone (nil: UTC).
func (c *Catalog) Printer(lang string, zone *time.Location) Printer {
	if zone == nil {
		zone = time.UTC
	}
	return Printer{c: c, Lang: Lang(lang), Zone: zone}
}

// T is the message key, formatted with args.
func (p Printer) T(key string, args ...any) string { return p.c.T(p.Lang, key, args...) }

// Date writes the day of t in the printer's zone: "31.12.2026",
// "31 December 2026"; "" for the zero time.
func (p Printer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatDate(p.Lang, t.In(p.Zone))
}

// FormatDate writes the day of t as it is (no zone change).
func FormatDate(lang string, t time.Time) string {
	if Lang(lang) == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("2 January 2006")
}

// Clock writes the time of day of t in the printer's zone: "15:04".
func (p Printer) Clock(t time.Time) string { return t.In(p.Zone).Format("15:04") }

// DateTime writes day and time of t in the printer's zone with the zone's
// name: "31.12.2026, 15:04 Uhr (Europe/Berlin)", "31 December 2026,
// 15:04 (Europe/Berlin)".
func (p Printer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.T("time.date_time", p.Date(t), p.Clock(t), p.Zone.String())
}

// DateClock writes day and time of t in the printer's zone without the
// zone's name (for lists whose heading names it): "31.12.2026, 15:04 Uhr".
func (p Printer) DateClock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.T("time.date_clock", p.Date(t), p.Clock(t))
}

// Month names the month of t in the printer's zone: "Feb. 2026",
// "Feb 2026".
func (p Printer) Month(t time.Time) string {
	t = t.In(p.Zone)
	return p.T("time.month."+strings.ToLower(t.Format("Jan"))) + " " + t.Format("2006")
}
