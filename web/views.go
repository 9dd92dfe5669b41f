package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/internal/i18n"
	"kipass/internal/people"
	"kipass/internal/ttlcache"
	"kipass/quiz"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// languages are the UI languages; the first is the default.
var languages = i18n.Languages()

// views holds the parsed page templates per language and the messages.
type views struct {
	pages    map[string]map[string]*template.Template // lang -> page -> template
	shells   map[string][numShells]shell              // lang -> one per shellRole
	messages *i18n.Catalog                            // every text in every language
	staticV  string                                   // cache-busting version of the static files
	// base holds the shared templates (layout, quiz form) per language.
	base map[string]*template.Template
	// quizForms holds pre-rendered quiz forms (see renderQuizForm).
	quizForms *ttlcache.Cache[quizFormKey, prerendered]
	// phrases are the audit log's fixed phrases (see auditDetail).
	phrases []auditPhrase
	// courseTitle names a course of the current catalogue in a language
	// ("" for an unknown id).
	courseTitle func(id, lang string) string
	// zone is the organisation's time zone for dates on pages, as set now
	// (nil: UTC).
	zone func() *time.Location
}

// loadViews parses every template once per language, with t bound to that
// language's messages. Missing message keys fail here, not at request time.
func loadViews() (*views, error) {
	return loadViewsWith(nil)
}

// loadViewsWith is loadViews with the message catalog the program loaded
// (nil: the embedded one is read here).
func loadViewsWith(cat *i18n.Catalog) (*views, error) {
	if cat == nil {
		var err error
		if cat, err = i18n.Load(); err != nil {
			return nil, err
		}
	}
	v := &views{pages: map[string]map[string]*template.Template{}, shells: map[string][numShells]shell{}, messages: cat,
		base: map[string]*template.Template{}, quizForms: newQuizFormCache(), phrases: auditPhrases()}
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	v.staticV = hex.EncodeToString(h.Sum(nil))[:12]

	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var pages, shared []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			shared = append(shared, f)
		} else {
			pages = append(pages, f)
		}
	}
	for _, lang := range languages {
		v.pages[lang] = map[string]*template.Template{}
		base, err := template.New("").Funcs(v.funcs(lang)).ParseFS(templateFS, shared...)
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
			if err != nil {
				return nil, fmt.Errorf("web: %s: %w", p, err)
			}
			v.pages[lang][strings.TrimSuffix(path.Base(p), ".html")] = t
		}
		v.base[lang] = base
		var sh [numShells]shell
		for i := range sh {
			if sh[i], err = buildShell(base, lang, shellRole(i)); err != nil {
				return nil, fmt.Errorf("web: page shell: %w", err)
			}
		}
		v.shells[lang] = sh
	}
	return v, nil
}

func (v *views) funcs(lang string) template.FuncMap {
	cat := v.messages
	return template.FuncMap{
		"t": func(key string, args ...any) string { return cat.T(lang, key, args...) },
		// importProblem says what is wrong with a CSV row in the page's
		// language; a part without a message shows the English text.
		"importProblem": func(p people.Problem) string {
			var out []string
			for _, part := range p.Parts {
				f, ok := cat.Lookup(lang, "import."+part.Code, part.Args...)
				if !ok {
					return p.Message
				}
				out = append(out, fmt.Sprintf(f, part.Args...))
			}
			if len(out) == 0 {
				return p.Message
			}
			return strings.Join(out, "; ")
		},
		// auditAction names an audit action in plain words; an action
		// without a message shows its code.
		"auditAction": func(action string) string {
			if s, ok := cat.Lookup(lang, "audit."+action); ok {
				return s
			}
			return action
		},
		// auditDetail says an audit entry's detail in plain words.
		"auditDetail": func(detail string) string { return v.auditDetail(lang, detail) },
		// datetime writes a moment in the organisation's time zone.
		"datetime": func(t time.Time) string { return v.printer(lang).DateTime(t) },
		// dateclock writes a moment in the organisation's time zone without
		// the zone's name; zoneName is that name.
		"dateclock": func(t time.Time) string { return v.printer(lang).DateClock(t) },
		"zoneName":  func() string { return v.printer(lang).Zone.String() },
		// fieldError translates a field's error code, "" when none.
		"fieldError": func(f *form, field string) string {
			if f == nil || f.Errors[field] == "" {
				return ""
			}
			if s, ok := cat.Lookup(lang, "field."+f.Errors[field]); ok {
				return s
			}
			return cat.T(lang, "field.invalid")
		},
		"value": func(f *form, field string) string {
			if f == nil {
				return ""
			}
			return f.Values[field]
		},
		"staticV": func() string { return v.staticV },
		// tx picks this language's text of a quiz.Text.
		"tx":   func(t quiz.Text) string { return t.Get(lang) },
		"date": func(t time.Time) string { return v.printer(lang).Date(t) },
		"inc":  func(i int) int { return i + 1 },
		// has reports whether list holds s (a saved answer in the quiz form).
		"has":      func(list []string, s string) bool { return slices.Contains(list, s) },
		"quizForm": func(q *quizView, csrf string) template.HTML { return v.renderQuizForm(lang, q, csrf) },
		// isoDate formats an RFC 3339 time string as a date.
		"isoDate": func(s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			return v.printer(lang).Date(t)
		},
		"clock": func(sec int) string { return fmt.Sprintf("%d:%02d", sec/60, sec%60) },
		// clocktime is the time of day of t (hours and minutes) in the
		// organisation's time zone.
		"clocktime": func(t time.Time) string { return v.printer(lang).Clock(t) },
		// field passes a form and the settings of one input to the field partial.
		"field": func(f *form, name, label, typ, autocomplete, hint string) map[string]any {
			return map[string]any{"Form": f, "Name": name, "Label": label, "Type": typ, "Auto": autocomplete, "Hint": hint}
		},
		// dict makes a map of key, value pairs (to pass several values to a
		// partial template).
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
		// orgField passes one organisation setting to the orgField partial.
		"orgField": func(f *form, name, label, hint, auto, flag string, fixed, required bool, maxLen int) map[string]any {
			m := map[string]any{"Form": f, "Name": name, "Label": label, "Hint": hint, "Auto": auto, "Flag": flag, "Fixed": fixed,
				"Required": required, "Max": maxLen}
			if name == "time_zone" {
				m["List"] = "zones"
			}
			return m
		},
		// confirmField is the "I understand" box of an irreversible
		// action (template confirmBox), marked when a POST came without it.
		"confirmField": func(f *form, label string) map[string]any {
			return map[string]any{"Label": label, "Invalid": f != nil && f.Errors["confirm"] != ""}
		},
	}
}

// t translates a message key outside templates.
func (v *views) t(lang, key string) string {
	if s, ok := v.messages.Lookup(lang, key); ok {
		return s
	}
	return key
}

// printer writes texts, dates and times in lang and the organisation's
// time zone.
func (v *views) printer(lang string) i18n.Printer {
	var zone *time.Location
	if v.zone != nil {
		zone = v.zone()
	}
	return v.messages.Printer(lang, zone)
}

// form is a submitted form shown again: the values (never passwords) and
// an error code per field.
type form struct {
	Values  map[string]string
	Errors  map[string]string
	Message string // a message key for the whole form
}

// pageData is what every page template receives.
type pageData struct {
	Lang      string
	LangPick  string // the language the visitor chose explicitly (?lang), for forms to pass on
	OtherLang string
	LangURL   string
	Title     string
	User      *app.User
	CSRF      string
	Form      *form
	Status    int
	Data      any
	HeadMeta  template.HTML // the page's own head elements: pages set theirs through localHeadMeta
}

// render executes a page template in the caller's language; title is a
// message key.
func (s *server) render(c *fiber.Ctx, status int, page, title string, f *form, data any) error {
	return s.renderPage(c, status, page, s.views.t(langOf(c), title), f, data)
}

// renderPage executes a page template with a ready title.
func (s *server) renderPage(c *fiber.Ctx, status int, page, title string, f *form, data any) error {
	lang := langOf(c)
	t := s.views.pages[lang][page]
	if t == nil {
		return fmt.Errorf("web: no template %q", page)
	}
	other := "en"
	if lang == "en" {
		other = "de"
	}
	csrf, _ := c.Locals(localCSRF).(string)
	pick, _ := c.Locals(localLangChoice).(string)
	pd := pageData{Lang: lang, LangPick: pick, OtherLang: other, LangURL: switchLangURL(c.OriginalURL(), other), Title: title,
		User: currentUser(c), CSRF: csrf, Form: f, Status: status, Data: data}
	// Render straight into fasthttp's pooled body buffer: the pre-rendered
	// shell around the page's own content.
	sh := s.views.shells[lang][shellIndex(pd.User)]
	c.Response().ResetBody()
	w := c.Response().BodyWriter()
	meta, _ := c.Locals(localHeadMeta).(template.HTML)
	sh.writeHeadMeta(w, pd.Title, pd.CSRF, pd.LangURL, meta)
	s.writeFlash(c, w)
	s.orgBanner(c, w, page, pd.User)
	if err := t.ExecuteTemplate(w, "content", pd); err != nil {
		c.Response().ResetBody()
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Write(sh.foot)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(status)
	return nil
}

// renderErrorPage shows a friendly error page.
func (s *server) renderErrorPage(c *fiber.Ctx, status int, e *errs.Error) error {
	title, text := "error.title", "error.500.text"
	switch status {
	case fiber.StatusNotFound:
		title, text = "error.404.title", "error.404.text"
	case fiber.StatusForbidden:
		title, text = "error.403.title", "error.403.text"
		if e.Code == "csrf_failed" {
			text = "error.csrf_failed"
		}
	case fiber.StatusTooManyRequests:
		title, text = "error.429.title", "error.429.text"
	case fiber.StatusRequestEntityTooLarge:
		title, text = "error.413.title", "error.413.text"
	case fiber.StatusInternalServerError:
	default:
		text = ""
	}
	msg := s.views.t(langOf(c), text)
	if text == "" {
		msg = e.Message
	}
	if langOf(c) == "" {
		c.Locals(localLang, "de")
	}
	return s.render(c, status, "error", title, nil, msg)
}

// static serves the embedded CSS, script and images. URLs carry ?v=<hash>,
// so they may be cached for a year.
func (s *server) static() fiber.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return func(c *fiber.Ctx) error {
		name := c.Params("*")
		b, err := fs.ReadFile(sub, name)
		if err != nil || name == "" || strings.Contains(name, "..") {
			return fiber.ErrNotFound
		}
		switch path.Ext(name) {
		case ".css":
			c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
		case ".js":
			c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		case ".svg":
			c.Set(fiber.HeaderContentType, "image/svg+xml")
		case ".png":
			c.Set(fiber.HeaderContentType, "image/png")
		default:
			c.Set(fiber.HeaderContentType, "application/octet-stream")
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		return c.Send(b)
	}
}
