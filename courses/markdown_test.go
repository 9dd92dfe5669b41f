package courses

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// renderString renders a markdown body with a fresh converter and returns the
// HTML and any problems.
func renderString(src []byte) (rendered, Problems) {
	l := &loader{md: newMarkdown()}
	r := l.render("x.md", src, 1)
	return r, l.problems
}

// TestRenderGolden renders testdata/golden/*.md and compares the HTML and the
// table of contents with the .golden files; -update rewrites them.
func TestRenderGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.md")
	if len(files) == 0 {
		t.Fatal("no golden fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, problems := renderString(src)
			if len(problems) > 0 {
				t.Errorf("problems:\n%v", problems)
			}
			var got bytes.Buffer
			got.WriteString(string(r.html))
			got.WriteString("<!-- table of contents:\n")
			for _, h := range r.toc {
				fmt.Fprintf(&got, "h%d #%s %s\n", h.Level, h.ID, h.Text)
			}
			got.WriteString("-->\n")
			golden := strings.TrimSuffix(file, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("rendered HTML differs from %s (go test -update rewrites it):\n%s", golden, got.Bytes())
			}
			if reason := unsafeHTML(string(r.html)); reason != "" {
				t.Errorf("unsafe output: %s", reason)
			}
		})
	}
}

func TestRenderUnsafe(t *testing.T) {
	for _, src := range []string{
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1))",
		"[x](  JAVASCRIPT:alert(1) )",
		"<a href=\"javascript:alert(1)\">x</a>",
		"[x](java\tscript:alert(1))",
		"![x](javascript:alert(1))",
		"<svg/onload=alert(1)>",
	} {
		r, _ := renderString([]byte(src))
		if reason := unsafeHTML(string(r.html)); reason != "" {
			t.Errorf("%q renders %q: %s", src, r.html, reason)
		}
	}
}

func TestHeadingIDs(t *testing.T) {
	r, _ := renderString([]byte("## Übersicht\n\n## Übersicht\n\n## Größe: 5 %\n\n## !!!\n\n## ÄÖÜ äöü ß\n"))
	var got []string
	for _, h := range r.toc {
		got = append(got, h.ID)
	}
	want := "uebersicht uebersicht-2 groesse-5 section aeoeue-aeoeue-ss"
	if strings.Join(got, " ") != want {
		t.Errorf("ids = %v, want %s", got, want)
	}
}

// FuzzRenderMarkdown renders arbitrary markdown: it must never panic, and the
// HTML must never hold a tag or attribute that runs script, whatever the input.
func FuzzRenderMarkdown(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.md")
	for _, file := range files {
		src, _ := os.ReadFile(file)
		f.Add(src)
	}
	for _, seed := range []string{"", "# h1\n#### h4", "<script>x</script>", "[x](javascript:alert(1))",
		"<img onerror=alert(1)>", "| a |\n|---|\n| <b onclick=x> |", "www.example.com/javascript:alert(1)"} {
		f.Add([]byte(seed))
	}
	md := newMarkdown()
	f.Fuzz(func(t *testing.T, src []byte) {
		l := &loader{md: md}
		r := l.render("x.md", src, 1)
		if reason := unsafeHTML(string(r.html)); reason != "" {
			t.Fatalf("%q renders %q: %s", src, r.html, reason)
		}
	})
}

// unsafeHTML scans the tags of s and says why one could run script: a
// script-like element, an on* event attribute, or a script URL. It returns ""
// for safe HTML. Text and attribute values are not tags, so "javascript:" or
// " onerror=" in escaped text is fine.
func unsafeHTML(s string) string {
	lower := strings.ToLower(s)
	for _, tag := range []string{"<script", "<iframe", "<object", "<embed", "<style", "<svg", "<math", "<form", "<base", "<meta", "<link"} {
		if strings.Contains(lower, tag) {
			return "element " + tag + ">"
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i:], "-->")
			if end < 0 {
				return "unterminated comment"
			}
			i += end + 2
			continue
		}
		// Read the tag name, then attributes until '>'.
		j := i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		for j < len(s) && (isAlnum(s[j])) {
			j++
		}
		for j < len(s) && s[j] != '>' {
			if s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '/' {
				j++
				continue
			}
			start := j
			for j < len(s) && !strings.ContainsRune(" \t\n/=>", rune(s[j])) {
				j++
			}
			name := strings.ToLower(s[start:j])
			value := ""
			if j < len(s) && s[j] == '=' {
				j++
				if j < len(s) && (s[j] == '"' || s[j] == '\'') {
					end := strings.IndexByte(s[j+1:], s[j])
					if end < 0 {
						return "unterminated attribute value"
					}
					value = s[j+1 : j+1+end]
					j += end + 2
				} else {
					vs := j
					for j < len(s) && !strings.ContainsRune(" \t\n>", rune(s[j])) {
						j++
					}
					value = s[vs:j]
				}
			}
			if strings.HasPrefix(name, "on") {
				return "event attribute " + name
			}
			if name == "href" || name == "src" || name == "action" || name == "formaction" {
				v := strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, strings.ToLower(html.UnescapeString(value)))
				for _, scheme := range []string{"javascript:", "vbscript:", "data:text"} {
					if strings.HasPrefix(v, scheme) {
						return name + "=" + value
					}
				}
			}
		}
		i = j
	}
	return ""
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
