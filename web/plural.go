package web

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The message files' plural form: beside a message "key" (the fallback),
// "key.one", "key.other" (and "key.zero", "key.two", "key.few",
// "key.many" where a language needs them) hold its forms; the first
// integer argument chooses one by the language's CLDR cardinal rules
// ("1 Konto", "2 Konten"). A key with a ".one" form must have ".other".

// pluralForms are the CLDR form names by plural.Form.
var pluralForms = [...]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// pluralKey returns the key of the form that n takes in lang, when the
// messages have one; else key.
func pluralKey(msgs map[string]string, lang, key string, args []any) string {
	if len(args) == 0 {
		return key
	}
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
