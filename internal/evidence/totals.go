package evidence

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Totals counts rows per department and status, one Total per distinct
// Department (exact string; "" is a department of its own), sorted by
// department name ignoring case and accents ("Ärzte" comes between
// "Apotheke" and "Buchhaltung"), ties in byte order. A row with an unknown
// status counts in People only. Totals of no rows is empty, not nil.
func Totals(rows []Row) []Total {
	index := make(map[string]int)
	out := []Total{}
	for _, r := range rows {
		i, ok := index[r.Department]
		if !ok {
			i = len(out)
			index[r.Department] = i
			out = append(out, Total{Department: r.Department})
		}
		out[i].add(r.Status, 1)
	}
	keys := make(map[string]string, len(out))
	for _, t := range out {
		keys[t.Department] = sortKey(t.Department)
	}
	sort.Slice(out, func(a, b int) bool {
		ka, kb := keys[out[a].Department], keys[out[b].Department]
		if ka != kb {
			return ka < kb
		}
		return out[a].Department < out[b].Department
	})
	return out
}

// add counts n people with the given status.
func (t *Total) add(status string, n int) {
	t.People += n
	switch status {
	case passed:
		t.Passed += n
	case overdue:
		t.Overdue += n
	case expired:
		t.Expired += n
	case inProgress:
		t.InProgress += n
	case notStarted:
		t.NotStarted += n
	case invited:
		// Invited people have not started either; Invited says how many
		// of them still have to accept their invitation.
		t.NotStarted += n
		t.Invited += n
	}
}

// Rate is the share of people with a valid certificate in whole percent,
// rounded down (100 only when everyone has passed).
func (t Total) Rate() int {
	if t.People <= 0 {
		return 0
	}
	return RoundPercent(t.Passed, t.People)
}

// RoundPercent is part of whole in whole percent, rounded half up (2 of 3
// is 67, 1 of 8 is 13): the one rounding the dashboard, the evidence PDF
// and the exports use. One exception: a share short of everyone is at
// most 99, since "100 %" in an audit report claims that everyone has
// passed (1,999 of 2,000 is 99). 0 when whole is 0 or less.
func RoundPercent(part, whole int) int {
	if whole <= 0 || part <= 0 {
		return 0
	}
	p := int((int64(part)*200 + int64(whole)) / (2 * int64(whole)))
	if p >= 100 && part < whole {
		p = 99
	}
	return p
}

// plus adds u's counts to t.
func (t *Total) plus(u Total) {
	t.People += u.People
	t.Passed += u.Passed
	t.Overdue += u.Overdue
	t.Expired += u.Expired
	t.InProgress += u.InProgress
	t.NotStarted += u.NotStarted
	t.Invited += u.Invited
}

// Sum is the total over all departments (Department "").
func Sum(ts []Total) Total {
	var all Total
	for _, t := range ts {
		all.plus(t)
	}
	return all
}

// Fold splits ts into the departments with at least minGroup people and
// the sum of the rest; n is how many departments were folded. When the
// rest would hold fewer than minGroup people (but some), the smallest
// departments are folded in as well: otherwise the overall totals minus the
// listed departments would give away a small group's figures.
func Fold(ts []Total, minGroup int) (big []Total, rest Total, n int) {
	big = []Total{}
	for _, t := range ts {
		if t.People >= minGroup {
			big = append(big, t)
			continue
		}
		rest.plus(t)
		n++
	}
	for rest.People > 0 && rest.People < minGroup && len(big) > 0 {
		i := 0
		for j, t := range big {
			if t.People < big[i].People {
				i = j
			}
		}
		rest.plus(big[i])
		big = append(big[:i], big[i+1:]...)
		n++
	}
	return big, rest, n
}

// sortKey is s in lower case without accents, so that names sort the way
// a reader expects in German and English.
func sortKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'ß' {
			b.WriteString("ss")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// percent formats part/whole as a percentage with one decimal, rounded
// down so that 100 means everyone, using the decimal separator dec. It is
// a dash when whole is 0.
func percent(part, whole int, dec string) string {
	if whole <= 0 {
		return dash
	}
	// Whole percent, rounded half up, as on the dashboard (RoundPercent).
	_ = dec
	return strconv.Itoa(RoundPercent(part, whole)) + " %"
}
