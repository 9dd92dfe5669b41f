package evidence

import (
	"time"

	"kipass/internal/i18n"
)

// words is the fixed wording of the report in one language, read from the
// catalog's evidence.* messages. The fields with verbs are formats that the
// layout fills in.
type words struct {
	title string

	// The cover: labels of the facts about the report.
	generated, generatedBy, scope, course, version, modules string
	everyone                                                string // scope when none is given
	aggregated                                              string // appended to the scope in works-council mode; %d = MinGroup

	// The summary.
	summary, people, passed, expired, overdue, inProgress, notStarted, rate string
	noPeople                                                                string

	// The department table.
	byDepartment, department, passedCol, rateShort, noDepartment string
	other                                                        string // %d = MinGroup
	aggregatedNote                                               string // %d = MinGroup

	// The per-person table.
	persons, name, status, passedAt, dueAt, validUntil, certificate string
	statuses                                                        map[string]string // by status

	// Every page.
	page                string // %d / %d
	statement           string // what the report proves
	verifyOnline        string // %s = the verification URL
	verifyOffline       string // when there is no URL
	signatures          string
	subject             string // document metadata
	decimal             string
	longDate, shortDate func(time.Time) string // with the time of day and the zone; the date only
}

// wordsFor returns the wording of p's language, with dates and times in
// p's zone.
func wordsFor(p i18n.Printer) words {
	w := words{
		title:       p.T("evidence.title"),
		generated:   p.T("evidence.generated"),
		generatedBy: p.T("evidence.generated_by"),
		scope:       p.T("evidence.scope"),
		course:      p.T("evidence.course"),
		version:     p.T("evidence.version"),
		modules:     p.T("evidence.modules"),
		everyone:    p.T("evidence.everyone"),
		aggregated:  p.T("evidence.aggregated"),

		summary:    p.T("evidence.summary"),
		people:     p.T("evidence.people"),
		passed:     p.T("evidence.passed"),
		expired:    p.T("evidence.expired"),
		overdue:    p.T("evidence.overdue"),
		inProgress: p.T("evidence.in_progress"),
		notStarted: p.T("evidence.not_started"),
		rate:       p.T("evidence.rate"),
		noPeople:   p.T("evidence.no_people"),

		byDepartment:   p.T("evidence.by_department"),
		department:     p.T("evidence.department"),
		passedCol:      p.T("evidence.passed_col"),
		rateShort:      p.T("evidence.rate_short"),
		noDepartment:   p.T("evidence.no_department"),
		other:          p.T("evidence.other"),
		aggregatedNote: p.T("evidence.aggregated_note"),

		persons:     p.T("evidence.persons"),
		name:        p.T("evidence.name"),
		status:      p.T("evidence.status"),
		passedAt:    p.T("evidence.passed_at"),
		dueAt:       p.T("evidence.due_at"),
		validUntil:  p.T("evidence.valid_until"),
		certificate: p.T("evidence.certificate"),
		statuses:    map[string]string{},

		page:          p.T("evidence.page"),
		statement:     p.T("evidence.statement"),
		verifyOnline:  p.T("evidence.verify_online"),
		verifyOffline: p.T("evidence.verify_offline"),
		signatures:    p.T("evidence.signatures"),
		subject:       p.T("evidence.subject"),
		decimal:       p.T("evidence.decimal"),
		longDate:      p.DateTime,
		shortDate:     p.Date,
	}
	for _, s := range []string{notStarted, inProgress, passed, expired, overdue, invited} {
		w.statuses[s] = p.T("evidence.statuses." + s)
	}
	return w
}

// statusText translates a status; an unknown one is shown as it is.
func (w words) statusText(s string) string {
	if t, ok := w.statuses[s]; ok {
		return t
	}
	return s
}
