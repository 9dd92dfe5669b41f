package layers

import (
	"slices"
	"strings"
	"testing"
)

// TestModuleKeepsItsLayers fails on any import that breaks a rule of
// docs/ARCHITECTURE.md.
func TestModuleKeepsItsLayers(t *testing.T) {
	pkgs, err := List("kipass/...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 || !slices.ContainsFunc(pkgs, func(p Package) bool { return p.ImportPath == "kipass/internal/app" }) {
		t.Fatalf("go list found %d packages, not the module's", len(pkgs))
	}
	for _, v := range Violations(pkgs, Rules()) {
		t.Error(v)
	}
}

// The rules catch each kind of forbidden import (a checker that finds
// nothing proves nothing).
func TestRulesCatchForbiddenImports(t *testing.T) {
	for _, tc := range []struct {
		pkg  Package
		want string // part of the one violation expected; "" for none
	}{
		{Package{ImportPath: "kipass/web", Imports: []string{"database/sql"}}, "kipass/web imports database/sql"},
		{Package{ImportPath: "kipass/web", Imports: []string{"modernc.org/sqlite/lib"}}, "imports modernc.org/sqlite/lib"},
		{Package{ImportPath: "kipass/web", Deps: []string{"kipass/internal/store"}}, "kipass/web depends on kipass/internal/store"},
		{Package{ImportPath: "kipass/cmd/kipass", Imports: []string{"database/sql"}}, "kipass/cmd/kipass imports database/sql"},
		{Package{ImportPath: "kipass/cmd/kipass", Imports: []string{"kipass/internal/store", "kipass/web"}}, ""},
		{Package{ImportPath: "kipass/cmd/kipass", Imports: []string{"github.com/gofiber/fiber/v2"}}, "imports github.com/gofiber/fiber/v2"},
		{Package{ImportPath: "kipass/internal/store", Deps: []string{"kipass/web"}}, "kipass/internal/store depends on kipass/web"},
		{Package{ImportPath: "kipass/internal/app", Imports: []string{"net/http"}}, "kipass/internal/app imports net/http"},
		{Package{ImportPath: "kipass/internal/app", Deps: []string{"github.com/valyala/fasthttp"}}, "depends on github.com/valyala/fasthttp"},
		{Package{ImportPath: "kipass/quiz", Deps: []string{"kipass/internal/app"}}, "kipass/quiz depends on kipass/internal/app"},
		{Package{ImportPath: "kipass/certificates", Deps: []string{"net/http"}}, ""}, // through pdfsign's OCSP client: allowed
		{Package{ImportPath: "kipass/internal/reports", Imports: []string{"kipass/internal/store"}}, "kipass/internal/reports imports kipass/internal/store"},
		{Package{ImportPath: "kipass/courses", Imports: []string{"kipass/content"}}, "kipass/courses imports kipass/content"},
		{Package{ImportPath: "kipass/webx", Imports: []string{"github.com/gofiber/fiber/v2"}}, "kipass/webx imports github.com/gofiber/fiber/v2"},
		{Package{ImportPath: "kipass/web", Imports: []string{"github.com/gofiber/fiber/v2"}}, ""},
	} {
		got := Violations([]Package{tc.pkg}, Rules())
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("%s: unexpected %q", tc.pkg.ImportPath, got)
		case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
			t.Errorf("%s: got %q, want one violation with %q", tc.pkg.ImportPath, got, tc.want)
		}
	}
}
