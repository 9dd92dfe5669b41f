package web

import (
	"bytes"
	"html/template"
	"sync"

	"kipass/courses"
)

// articles holds the static parts of module pages, rendered once per module
// and language. Keys are module pointers, so a reloaded catalogue (--watch)
// gets fresh entries.
type articles struct {
	parts sync.Map // articleKey -> articleParts
}

type articleKey struct {
	m    *courses.Module
	lang string
}

type articleParts struct {
	top, bottom template.HTML
}

// moduleParts are what the static templates need.
type moduleParts struct {
	Lang       string
	Course     *courses.Course
	Module     *courses.Module
	Index      int
	Prev, Next *courses.Module
}

// get returns the rendered parts, rendering them on first use.
func (a *articles) get(v *views, co *courses.Course, m *courses.Module, lang string) (articleParts, error) {
	k := articleKey{m, lang}
	if p, ok := a.parts.Load(k); ok {
		return p.(articleParts), nil
	}
	d := moduleParts{Lang: lang, Course: co, Module: m, Index: m.Index + 1}
	if m.Index > 0 {
		d.Prev = co.Modules[m.Index-1]
	}
	if m.Index+1 < len(co.Modules) {
		d.Next = co.Modules[m.Index+1]
	}
	t := v.pages[lang]["module"]
	var top, bottom bytes.Buffer
	if err := t.ExecuteTemplate(&top, "moduleTop", d); err != nil {
		return articleParts{}, err
	}
	if err := t.ExecuteTemplate(&bottom, "moduleBottom", d); err != nil {
		return articleParts{}, err
	}
	p := articleParts{top: template.HTML(top.String()), bottom: template.HTML(bottom.String())}
	a.parts.Store(k, p)
	return p, nil
}
