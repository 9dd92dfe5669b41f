package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"kipass/internal/ttlcache"
)

// quizFormData is what the quiz-form template shows.
type quizFormData struct {
	AttemptID string
	Questions []apiQuestion
	Exam      bool
	Timed     bool
	Deadline  string // seconds left (a placeholder while pre-rendering)
	CSRF      string // a placeholder while pre-rendering
	// Draft is the answers saved so far (shown ids), checked in the form.
	Draft    map[string][]string
	Answered int
}

// quizFormKey names a pre-rendered quiz form: an attempt's questions never
// change, so its form differs only by language, the version of the course
// texts, whether it counts down and the answers saved so far (a new draft
// renders once; the module page's repeated views of an open quiz reuse it).
type quizFormKey struct {
	attempt, lang, content, draft string
	timed                         bool
}

// Pre-rendered quiz forms are kept for an hour (an exam takes 30
// minutes), at most quizFormCacheSize of them.
const (
	quizFormCacheTTL  = time.Hour
	quizFormCacheSize = 2_000
)

func newQuizFormCache() *ttlcache.Cache[quizFormKey, prerendered] {
	return ttlcache.New[quizFormKey, prerendered](quizFormCacheSize, quizFormCacheTTL, time.Now)
}

// renderQuizForm writes an open attempt as an HTML form with the quiz-form
// template. The module page shows it on every view while the quiz is open,
// and executing html/template for five questions costs more than the rest
// of the page; so the form is rendered once per attempt and language with
// the CSRF token and the seconds left as holes (see prerendered), which
// are filled in per view.
func (v *views) renderQuizForm(lang string, q *quizView, csrf string) template.HTML {
	d := quizFormData{AttemptID: q.AttemptID, Questions: q.Questions, Exam: q.Exam, Timed: q.Remaining > 0, Draft: q.Draft, Answered: q.Answered}
	values := []string{csrf, strconv.Itoa(q.Remaining)}
	var b strings.Builder
	key := quizFormKey{attempt: q.AttemptID, lang: lang, content: q.Content, draft: q.DraftKey, timed: d.Timed}
	p, _, ok := v.quizForms.Get(key)
	if !ok {
		var err error
		p, err = prerender(func(w io.Writer, vals []string) error {
			d.CSRF, d.Deadline = vals[0], vals[1]
			return v.base[lang].ExecuteTemplate(w, "quiz-form", d)
		}, 2)
		if err != nil {
			return v.execQuizForm(lang, d, values)
		}
		v.quizForms.Add(key, p)
	}
	b.Grow(4096)
	if !p.fill(&b, values) {
		return v.execQuizForm(lang, d, values)
	}
	return template.HTML(b.String())
}

// execQuizForm executes the template directly: the way a form that cannot
// be pre-rendered is still shown (it never happens with kipass's template;
// prerender would have to reject it).
func (v *views) execQuizForm(lang string, d quizFormData, values []string) template.HTML {
	var b strings.Builder
	d.CSRF, d.Deadline = values[0], values[1]
	if err := v.base[lang].ExecuteTemplate(&b, "quiz-form", d); err != nil {
		return template.HTML(template.HTMLEscapeString(err.Error()))
	}
	return template.HTML(b.String())
}
