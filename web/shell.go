package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"

	"kipass/internal/app"
)

// The placeholders of the page shell. They are plain letters, so every
// escaping context of html/template leaves them as they are.
const (
	holeTitle = "KIPASSHOLETITLE"
	holeCSRF  = "KIPASSHOLECSRF"
	holeLang  = "KIPASSHOLELANGURL"
	// holeMeta takes the page's own <head> elements (the sharing preview
	// of /verify/{id}), already escaped by html/template.
	holeMeta = "KIPASSHOLEMETA"
)

// shell is the page around the content, rendered once per language and
// login state: literal parts with the holes between them.
type shell struct {
	head  [][]byte // literal parts; holes[i] goes between head[i] and head[i+1]
	holes []string
	foot  []byte
}

// numShells is the number of page shells per language: anonymous and one
// per role, since the navigation differs (see shellRole).
const numShells = 4

// shellRole is the role of shell i ("" for anonymous visitors).
func shellRole(i int) string {
	return [numShells]string{"", app.RoleEmployee, app.RoleHR, app.RoleAdmin}[i]
}

// shellIndex picks the shell for the visitor.
func shellIndex(u *app.User) int {
	if u == nil {
		return 0
	}
	switch u.Role {
	case app.RoleHR:
		return 2
	case app.RoleAdmin:
		return 3
	}
	return 1
}

func buildShell(t *template.Template, lang, role string) (shell, error) {
	other := "en"
	if lang == "en" {
		other = "de"
	}
	pd := pageData{Lang: lang, OtherLang: other, LangURL: holeLang, Title: holeTitle, CSRF: holeCSRF, HeadMeta: holeMeta}
	if role != "" {
		pd.User = &app.User{Role: role}
	}
	var head, foot bytes.Buffer
	if err := t.ExecuteTemplate(&head, "head", pd); err != nil {
		return shell{}, err
	}
	if err := t.ExecuteTemplate(&foot, "foot", pd); err != nil {
		return shell{}, err
	}
	sh := shell{foot: foot.Bytes()}
	rest := head.Bytes()
	for {
		i, hole := -1, ""
		for _, h := range []string{holeTitle, holeCSRF, holeLang, holeMeta} {
			if j := bytes.Index(rest, []byte(h)); j >= 0 && (i < 0 || j < i) {
				i, hole = j, h
			}
		}
		if i < 0 {
			sh.head = append(sh.head, rest)
			break
		}
		sh.head = append(sh.head, rest[:i])
		sh.holes = append(sh.holes, hole)
		rest = rest[i+len(hole):]
	}
	if bytes.Contains(sh.foot, []byte("KIPASSHOLE")) {
		return shell{}, fmt.Errorf("web: the page foot must not use the title, CSRF token or language link")
	}
	return sh, nil
}

// writeHead writes the shell's head with the holes filled in, escaped.
func (sh shell) writeHead(w io.Writer, title, csrf, langURL string) {
	sh.writeHeadMeta(w, title, csrf, langURL, "")
}

// writeHeadMeta is writeHead with the page's own head elements, which
// html/template escaped already.
func (sh shell) writeHeadMeta(w io.Writer, title, csrf, langURL string, meta template.HTML) {
	for i, part := range sh.head {
		w.Write(part)
		if i < len(sh.holes) {
			v := ""
			switch sh.holes[i] {
			case holeMeta:
				io.WriteString(w, string(meta))
				continue
			case holeTitle:
				v = title
			case holeCSRF:
				v = csrf
			case holeLang:
				v = langURL
			}
			io.WriteString(w, template.HTMLEscapeString(v))
		}
	}
}

// switchLangURL is the current address with lang set to other: the
// language link keeps the rest of the query (a setup token, a next target).
func switchLangURL(original, other string) string {
	u, err := url.ParseRequestURI(original)
	if err != nil {
		return "/?lang=" + other
	}
	q := u.Query()
	q.Set("lang", other)
	// Exactly one leading slash: "//host/path" would leave the site.
	p := "/" + strings.TrimLeft(u.Path, "/\\")
	return (&url.URL{Path: p, RawQuery: q.Encode()}).RequestURI()
}
