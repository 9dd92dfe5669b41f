// Package layers states which kipass package may import which (see
// docs/ARCHITECTURE.md) and checks it: List reads the module's import
// graph with `go list` (each package's Imports and Deps, test files
// excluded) and Violations names every import that breaks a rule. Its
// test runs them over the whole module, so a forbidden import fails
// `go test ./...`.
package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Package is one package of the import graph: its direct imports and all
// its dependencies, test files excluded.
type Package struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// Rule is one import rule: the packages it applies to (by prefix), and
// what they must not import directly or depend on at all.
type Rule struct {
	Why       string
	Applies   []string // import path prefixes ("kipass/web" also covers kipass/web/x)
	Except    []string // prefixes the rule does not apply to
	NoImports []string // prefixes that must not be imported directly
	NoDeps    []string // prefixes that must not be reached at all
}

var (
	sqlPkgs   = []string{"database/sql", "modernc.org/sqlite"}
	httpFrame = []string{"github.com/gofiber/", "github.com/valyala/fasthttp"}
)

// Rules are kipass's layers: handlers and the command line on top, then
// the use cases (internal/app), then the store and the domain packages.
func Rules() []Rule {
	return []Rule{
		{Why: "handlers translate HTTP to use cases and never touch SQL or the store",
			Applies: []string{"kipass/web"}, NoImports: sqlPkgs, NoDeps: []string{"kipass/internal/store", "kipass/cmd"}},
		{Why: "the command line wires the store into the use cases but never touches SQL",
			Applies: []string{"kipass/cmd"}, NoImports: sqlPkgs},
		{Why: "fiber is web's business: no fiber type outside web (bareserve is the bare-fiber benchmark reference)",
			Applies: []string{"kipass"}, Except: []string{"kipass/web", "kipass/scripts/bareserve"},
			NoImports: httpFrame},
		{Why: "the use cases know neither HTTP nor SQL nor the store",
			Applies: []string{"kipass/internal/app"}, NoImports: append([]string{"net/http"}, sqlPkgs...),
			NoDeps: append([]string{"kipass/web", "kipass/internal/store", "kipass/cmd"}, httpFrame...)},
		{Why: "the store implements the use cases' interfaces and never calls back into web",
			Applies: []string{"kipass/internal/store"}, NoDeps: append([]string{"kipass/web", "kipass/cmd"}, httpFrame...)},
		{Why: "quiz, courses and certificates are domain code: no HTTP, no SQL, no store, no use cases",
			Applies: []string{"kipass/quiz", "kipass/courses", "kipass/certificates"}, NoImports: append([]string{"net/http"}, sqlPkgs...),
			NoDeps: append([]string{"kipass/web", "kipass/internal/store", "kipass/internal/app", "kipass/cmd"}, httpFrame...)},
		{Why: "the store is wired in by cmd only; everyone else reaches it through internal/app",
			Applies: []string{"kipass"}, Except: []string{"kipass/cmd", "kipass/internal/store"},
			NoImports: []string{"kipass/internal/store"}},
		{Why: "the embedded content is passed in as an fs.FS by cmd",
			Applies: []string{"kipass"}, Except: []string{"kipass/cmd", "kipass/content"}, NoImports: []string{"kipass/content"}},
	}
}

// under reports whether path is prefix or inside it.
func under(path, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(path, prefix)
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func anyUnder(path string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return under(path, p) })
}

// Violations lists every import of pkgs that breaks a rule, one line each.
func Violations(pkgs []Package, rules []Rule) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !anyUnder(p.ImportPath, r.Applies) || anyUnder(p.ImportPath, r.Except) {
				continue
			}
			for _, imp := range p.Imports {
				if anyUnder(imp, r.NoImports) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, r.Why))
				}
			}
			for _, dep := range p.Deps {
				if anyUnder(dep, r.NoDeps) {
					out = append(out, fmt.Sprintf("%s depends on %s: %s", p.ImportPath, dep, r.Why))
				}
			}
		}
	}
	return out
}

// List reads the import graph of the module's packages (pattern, e.g.
// "kipass/...") with `go list`, without test files.
func List(pattern string) ([]Package, error) {
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps", pattern)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	var out []Package
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}
