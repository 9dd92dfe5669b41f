package auth

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"kipass/internal/errs"
)

func TestHashVerify(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("encoding %q", enc)
	}
	enc2, _ := h.Hash(ctx, "correct horse battery")
	if enc == enc2 {
		t.Fatal("same salt twice")
	}
	for _, tc := range []struct {
		enc, pw string
		want    bool
	}{
		{enc, "correct horse battery", true},
		{enc, "correct horse batterY", false},
		{"", "correct horse battery", false}, // unknown account
	} {
		got, err := h.Verify(ctx, tc.enc, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pw, got, err, tc.want)
		}
	}
	if _, err := h.Verify(ctx, "$bcrypt$junk", "x"); err == nil {
		t.Error("garbage hash accepted")
	}
}

func TestDefaultParamsAreOWASP(t *testing.T) {
	if DefaultParams.Memory < 19*1024 || DefaultParams.Time < 2 {
		t.Fatalf("params %+v below OWASP minimum", DefaultParams)
	}
}

func TestHasherBoundsConcurrency(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 1)
	h.slots <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "password123"); err == nil {
		t.Fatal("hash ran beyond the bound")
	}
}

func TestRegistrationClean(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     Registration
		fields []string
	}{
		{"ok", Registration{Name: "  Erika   Mustermann ", Email: " Erika@Example.COM ", Password: "0123456789"}, nil},
		{"all missing", Registration{}, []string{"name", "email", "password"}},
		{"short password", Registration{Name: "A", Email: "a@example.com", Password: "123456789"}, []string{"password"}},
		{"long password", Registration{Name: "A", Email: "a@example.com", Password: strings.Repeat("x", 257)}, []string{"password"}},
		{"256 ok", Registration{Name: "A", Email: "a@example.com", Password: strings.Repeat("ü", 256)}, nil},
		{"bad email", Registration{Name: "A", Email: "a@b", Password: "0123456789"}, []string{"email"}},
		{"display name in email", Registration{Name: "A", Email: "A <a@example.com>", Password: "0123456789"}, []string{"email"}},
		{"long dept", Registration{Name: "A", Email: "a@example.com", Password: "0123456789", Department: strings.Repeat("d", 101)}, []string{"department"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.in
			err := r.Clean()
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := errs.As(err)
			if e == nil || len(e.Fields) != len(tc.fields) {
				t.Fatalf("got %v, want fields %v", err, tc.fields)
			}
			for _, f := range tc.fields {
				if e.Fields[f] == "" {
					t.Errorf("field %s not flagged", f)
				}
			}
		})
	}
	r := Registration{Name: "  Erika \t Mustermann\x00 ", Email: " Erika@Example.COM ", Password: "0123456789"}
	r.Clean()
	if r.Name != "Erika Mustermann" || r.Email != "erika@example.com" {
		t.Fatalf("normalised to %q %q", r.Name, r.Email)
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || len(a) != 43 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if len(HashToken(a)) != 32 {
		t.Fatal("hash length")
	}
}

// hiddenRunes are bidi controls and invisible format characters that names
// and departments must not hold.
var hiddenRunes = []rune{0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
	0x200B, 0xFEFF, 0x200E, 0x200F, 0x061C, 0x2060, 0x2062, 0x00AD, 0x180E, 0xFFF9, 0xE0001, 0xE0041}

func TestNamesRefuseHiddenCharacters(t *testing.T) {
	for _, r := range hiddenRunes {
		name := CleanName("Ada " + string(r) + "Lovelace")
		if why := CheckName(name, true, 100); why != InvalidName {
			t.Errorf("U+%04X: CheckName = %q, want invalid_name", r, why)
		}
		reg := Registration{Name: "Ada", Email: "ada@example.com", Password: "0123456789", Department: "IT" + string(r)}
		e := errs.As(reg.Clean())
		if e == nil || e.Code != InvalidName || e.Fields["department"] != InvalidName || e.Kind != errs.Invalid {
			t.Errorf("U+%04X in the department: %v", r, reg.Clean())
		}
	}
	// ZWJ (emoji sequences) and ZWNJ (Persian, Indic scripts) are kept.
	for _, ok := range []string{"Ada 👩\u200d💻", "می\u200cخواهم", "Erika Mustermann", "李小龙"} {
		if why := CheckName(CleanName(ok), true, 100); why != "" || CleanName(ok) != ok {
			t.Errorf("%q: %q -> %q", ok, why, CleanName(ok))
		}
	}
	// Decomposed input is stored composed (NFC).
	if got := CleanName("Jose\u0301 N\u0303un\u0303ez"); got != "José Ñuñez" {
		t.Errorf("not NFC: %q", got)
	}
	reg := Registration{Name: "Jose\u0301", Email: "jose@example.com", Password: "0123456789", Department: "Vertrieb\u0301"}
	if err := reg.Clean(); err != nil || reg.Name != "José" || !norm.NFC.IsNormalString(reg.Department) {
		t.Errorf("%v %q %q", err, reg.Name, reg.Department)
	}
	// Other problems keep the general code.
	if e := errs.As((&Registration{}).Clean()); e == nil || e.Code != "invalid_input" {
		t.Errorf("missing fields: %v", e)
	}
}
