package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"kipass/quiz"
)

// renderQuizForm writes an open attempt as an HTML form: the options under
// the attempt's tokens, the answers saved so far checked, the count of
// answered questions, a "save answers" button (the draft, without
// JavaScript) and the submit button. It is built directly rather than
// through html/template because it is on the module page's hot path and
// html/template's escaping costs several times the rest of the page; every
// text is escaped with template.HTMLEscapeString.
func (v *views) renderQuizForm(lang string, q *quizView, csrf string) template.HTML {
	esc := template.HTMLEscapeString
	t := func(key string, args ...any) string {
		s := v.t(lang, key)
		if len(args) > 0 {
			s = fmt.Sprintf(s, args...)
		}
		return esc(s)
	}
	var b strings.Builder
	b.Grow(4096)
	b.WriteString(`<form method="post" action="/attempts/`)
	b.WriteString(esc(q.AttemptID))
	b.WriteString(`" class="quiz" data-draft="/api/v1/attempts/`)
	b.WriteString(esc(q.AttemptID))
	b.WriteString(`/answers"`)
	if q.Remaining > 0 {
		fmt.Fprintf(&b, ` data-deadline="%d"`, q.Remaining)
	}
	fmt.Fprintf(&b, ` data-total="%d" data-answered-fmt="%s">`+"\n", len(q.Questions), esc(v.t(lang, "quiz.answered")))
	b.WriteString("<input type=\"hidden\" name=\"_csrf\" value=\"")
	b.WriteString(esc(csrf))
	b.WriteString("\">\n")
	answered := func() {
		b.WriteString(`<p class="answered" data-answered aria-live="polite">`)
		b.WriteString(t("quiz.answered", q.Answered, len(q.Questions)))
		b.WriteString("</p>\n")
	}
	answered()
	for i, qu := range q.Questions {
		input := "radio"
		b.WriteString(`<fieldset class="question" id="q-`)
		b.WriteString(esc(qu.ID))
		b.WriteString(`"><legend><span class="qnum">`)
		b.WriteString(t("quiz.question_n", i+1, len(q.Questions)))
		b.WriteString("</span> ")
		b.WriteString(esc(qu.Text))
		b.WriteString("</legend>\n")
		if qu.Type == quiz.Multiple {
			input = "checkbox"
			b.WriteString(`<p class="hint">`)
			b.WriteString(t("quiz.multiple_hint"))
			b.WriteString("</p>\n")
		}
		saved := q.Draft[qu.ID]
		for _, o := range qu.Options {
			b.WriteString(`<label class="option"><input type="`)
			b.WriteString(input)
			b.WriteString(`" name="q-`)
			b.WriteString(esc(qu.ID))
			b.WriteString(`" value="`)
			b.WriteString(esc(o.ID))
			b.WriteString(`"`)
			if slices.Contains(saved, o.ID) {
				b.WriteString(" checked")
			}
			b.WriteString(`> <span>`)
			b.WriteString(esc(o.Text))
			b.WriteString("</span></label>\n")
		}
		b.WriteString("</fieldset>\n")
	}
	answered()
	b.WriteString(`<p class="hint">`)
	if q.Exam {
		b.WriteString(t("quiz.submit_hint_exam"))
	} else {
		b.WriteString(t("quiz.submit_hint"))
	}
	b.WriteString("</p>\n<div class=\"actions\"><button type=\"submit\" class=\"button\">")
	b.WriteString(t("quiz.submit"))
	b.WriteString("</button> <button type=\"submit\" class=\"button secondary\" formaction=\"/attempts/")
	b.WriteString(esc(q.AttemptID))
	b.WriteString("/draft\" data-save>")
	b.WriteString(t("quiz.save"))
	b.WriteString(`</button> <span class="saved-note" data-saved data-ok="`)
	b.WriteString(t("quiz.saved_auto"))
	b.WriteString("\" aria-live=\"polite\"></span></div>\n</form>\n")
	return template.HTML(b.String())
}
