package web

import (
	"bytes"
	"html/template"
	"io"
	"net/url"
	"strings"

	"kipass/internal/app"
)

// shell is the page around the content, rendered once per language and
// login state by html/template, with the title, the CSRF token and the
// language link as holes (see prerendered).
type shell struct {
	head prerendered
	foot []byte
	// For a language link that the pre-rendered head cannot take: the
	// template and the page data it was rendered with.
	tmpl *template.Template
	pd   pageData
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
	pd := pageData{Lang: lang, OtherLang: other}
	if role != "" {
		pd.User = &app.User{Role: role}
	}
	sh := shell{tmpl: t, pd: pd}
	var err error
	if sh.head, err = prerender(func(w io.Writer, v []string) error { return sh.execHead(w, v[0], v[1], v[2], "") }, 3); err != nil {
		return shell{}, err
	}
	var foot bytes.Buffer
	if err := t.ExecuteTemplate(&foot, "foot", pd); err != nil {
		return shell{}, err
	}
	sh.foot = foot.Bytes()
	return sh, nil
}

// execHead executes the layout's head with the values and the page's own
// head elements (meta, already escaped by html/template).
func (sh shell) execHead(w io.Writer, title, csrf, langURL string, meta template.HTML) error {
	pd := sh.pd
	pd.Title, pd.CSRF, pd.LangURL, pd.HeadMeta = title, csrf, langURL, meta
	return sh.tmpl.ExecuteTemplate(w, "head", pd)
}

// writeHead writes the shell's head with the holes filled in, escaped as
// html/template would.
func (sh shell) writeHead(w io.Writer, title, csrf, langURL string) {
	sh.writeHeadMeta(w, title, csrf, langURL, "")
}

// writeHeadMeta is writeHead with the page's own head elements (the
// sharing preview of /verify/{id}), which html/template escaped already.
// Such a page executes the head template; every other page uses the
// pre-rendered head.
func (sh shell) writeHeadMeta(w io.Writer, title, csrf, langURL string, meta template.HTML) {
	if meta != "" || !sh.head.fill(w, []string{title, csrf, langURL}) {
		sh.execHead(w, title, csrf, langURL, meta) // the template parsed and ran at start-up
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
