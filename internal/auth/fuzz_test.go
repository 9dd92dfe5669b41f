package auth

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kipass/internal/errs"
)

// FuzzCleanName: CleanName never panics, is idempotent, and returns valid
// UTF-8 without control characters, without leading, trailing or repeated
// spaces, with every space being a plain ' ', in NFC; CheckName refuses
// hidden format characters.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{
		"", " ", "Erika Mustermann", "  Erika \t\n  Mustermann  ", "José  Ñoño", "李 小龙",
		"a\x00b", "a\u0085b", "a\u00a0b", "a\u2028b", "a\u200bb", "\xff\xfe", "a\xc3", "\ufffd",
		"Ada\u202eLovelace", "Jose\u0301", "a\u200db", "\ufeffa", "\r\nBcc: evil@example.com", "x" + strings.Repeat(" ", 300) + "y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanName(s)
		if again := CleanName(c); again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, again)
		}
		if !utf8.ValidString(c) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, c)
		}
		if c != strings.TrimSpace(c) || strings.Contains(c, "  ") {
			t.Fatalf("untrimmed or repeated spaces: %q", c)
		}
		for _, r := range c {
			if unicode.IsControl(r) || r == utf8.RuneError || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("%q kept rune %U", c, r)
			}
		}
		if !norm.NFC.IsNormalString(c) {
			t.Fatalf("not NFC: %q", c)
		}
		if CheckName(c, true, 100) == "" && (c == "" || utf8.RuneCountInString(c) > 100 || strings.ContainsFunc(c, hiddenFormat)) {
			t.Fatalf("CheckName accepted %q", c)
		}
	})
}

// FuzzCheckEmail: CheckEmail never panics; an accepted address is short
// enough, normalised, parseable as itself and holds no space or control
// character (it may end up in a mail header).
func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{
		"erika@example.com", " Erika@Example.COM ", "a@b", "a@b.", "@example.com", "a@", "a", "",
		"A <a@example.com>", `"a b"@example.com`, `"a@b"@example.com`, "a@[127.0.0.1]", "a(comment)@example.com",
		"a@example.com\r\nBcc: x@example.com", "a@exa mple.com", "a.@example.com", "ä@example.de", "a@xn--bcher-kva.example",
		strings.Repeat("a", 250) + "@b.de", "=?utf-8?q?a?=@example.com", "a@example.com,b@example.com", "a@b\u0085.de", "a@\u00a0b.de",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if NormalizeEmail(NormalizeEmail(s)) != NormalizeEmail(s) {
			t.Fatalf("NormalizeEmail not idempotent on %q", s)
		}
		e := NormalizeEmail(s)
		if CheckEmail(e) != "" {
			return
		}
		if len(e) > 254 || strings.Count(e, "@") < 1 {
			t.Fatalf("accepted %q", e)
		}
		for _, r := range e {
			if r < 0x21 || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) {
				t.Fatalf("accepted %q with rune %U", e, r)
			}
		}
		if _, domain, _ := strings.Cut(e[strings.LastIndexByte(e, '@'):], "@"); !strings.Contains(domain, ".") {
			t.Fatalf("accepted %q without a dot in the domain", e)
		}
	})
}

// FuzzCheckPassword: an accepted password is valid UTF-8 of 10 to 256 runes.
func FuzzCheckPassword(f *testing.F) {
	for _, s := range []string{"", "123456789", "0123456789", "correct horse battery", strings.Repeat("ü", 256),
		strings.Repeat("x", 257), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "pass\x00word12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		why := CheckPassword(s)
		n := utf8.RuneCountInString(s)
		ok := utf8.ValidString(s) && n >= MinPassword && n <= MaxPassword
		if (why == "") != ok {
			t.Fatalf("CheckPassword(%q) = %q", s, why)
		}
	})
}

// FuzzRegistrationClean: Clean never panics, reports only Invalid errors
// naming the four fields, and a registration it accepts is a fixed point
// (cleaning it again changes nothing and still passes).
func FuzzRegistrationClean(f *testing.F) {
	f.Add("  Erika   Mustermann ", " Erika@Example.COM ", "correct horse battery", "Vertrieb")
	f.Add("", "", "", "")
	f.Add("A", "a@b", "123456789", strings.Repeat("d", 101))
	f.Add("\x00\x01", "A <a@example.com>", strings.Repeat("x", 257), "\t")
	f.Add("Ada\u2028Lovelace", "ADA@EXAMPLE.ORG", "\xff0123456789", "R&D\r\n")
	f.Fuzz(func(t *testing.T, name, email, password, dept string) {
		r := Registration{Name: name, Email: email, Password: password, Department: dept}
		err := r.Clean()
		if err != nil {
			e := errs.As(err)
			if e == nil || e.Kind != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("error %v is not an Invalid with fields", err)
			}
			for k := range e.Fields {
				switch k {
				case "name", "email", "password", "department":
				default:
					t.Fatalf("unknown field %q", k)
				}
			}
			return
		}
		again := r
		if err := again.Clean(); err != nil || again != r {
			t.Fatalf("cleaning %+v again: %+v, %v", r, again, err)
		}
	})
}
