package web

import (
	"fmt"
	"html/template"
	"strings"

	"kipass/quiz"
)

// renderQuizForm writes an open attempt as an HTML form. It is built
// directly rather than through html/template because it is on the module
// page's hot path and html/template's escaping costs several times the rest
// of the page; every text is escaped with template.HTMLEscapeString.
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
	b.WriteString(`" class="quiz"`)
	if q.Remaining > 0 {
		fmt.Fprintf(&b, ` data-deadline="%d"`, q.Remaining)
	}
	b.WriteString(">\n<input type=\"hidden\" name=\"_csrf\" value=\"")
	b.WriteString(esc(csrf))
	b.WriteString("\">\n")
	for i, qu := range q.Questions {
		input := "radio"
		b.WriteString(`<fieldset class="question"><legend><span class="qnum">`)
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
		for _, o := range qu.Options {
			b.WriteString(`<label class="option"><input type="`)
			b.WriteString(input)
			b.WriteString(`" name="q-`)
			b.WriteString(esc(qu.ID))
			b.WriteString(`" value="`)
			b.WriteString(esc(o.ID))
			b.WriteString(`"> <span>`)
			b.WriteString(esc(o.Text))
			b.WriteString("</span></label>\n")
		}
		b.WriteString("</fieldset>\n")
	}
	b.WriteString(`<p class="hint">`)
	b.WriteString(t("quiz.submit_hint"))
	b.WriteString("</p>\n<button type=\"submit\" class=\"button\">")
	b.WriteString(t("quiz.submit"))
	b.WriteString("</button>\n</form>\n")
	return template.HTML(b.String())
}
