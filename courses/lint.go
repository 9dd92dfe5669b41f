package courses

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"kipass/quiz"
)

// The item-writing lints. Load accepts content that breaks them (a course
// folder of an older release still serves); `kipass content check` reports
// them as errors unless course.yaml opts out of a rule with a reason
// (lint: {allow: [{rule: ..., reason: ...}]}).
const (
	// RuleExplanationRefersToOption: an explanation names an option by its id
	// ("Richtig ist a", "(b, c)"), which points nowhere once options are
	// shuffled and shown without ids.
	RuleExplanationRefersToOption = "explanation-refers-to-option"
	// RuleAnswerPositionSkew: one option id is the key of more than 35 % of the
	// single-choice questions, or one correct set of more than 35 % of the
	// multiple-choice questions.
	RuleAnswerPositionSkew = "answer-position-skew"
	// RuleLengthCue: in more than 35 % of the single-choice questions the
	// correct option is longer than every other one by more than 15 % (per language).
	RuleLengthCue = "length-cue"
	// RuleNearDuplicate: two question texts share more than 60 % of their words
	// (Jaccard similarity of the normalised word sets), or an example of a
	// module text repeats a question's text.
	RuleNearDuplicate = "near-duplicate"
	// RuleSmallPool: a module pool (questions.yaml) with fewer than 16 questions.
	RuleSmallPool = "small-pool"
	// RuleObjectiveMissing: a question without objective: N.
	RuleObjectiveMissing = "objective-missing"
	// RuleGuessableExam: a test-wise guesser passes the final exam with a
	// probability of 0.5 % or more (see Guess).
	RuleGuessableExam = "guessable-exam"
)

// The limits of the lints.
const (
	// SkewLimit is the largest share of questions one key may have.
	SkewLimit = 0.35
	// LengthCueRatio is how much longer than every other option the correct
	// one must be to count as a length cue.
	LengthCueRatio = 1.15
	// LengthCueLimit is the largest share of single-choice questions with a length cue.
	LengthCueLimit = 0.35
	// SimilarityLimit is the largest word-set similarity of two question
	// texts, and the largest share of a question's words an example may repeat.
	SimilarityLimit = 0.6
	// MinPool is the least number of questions in a module pool.
	MinPool = 16
	// GuessLimit is the probability from which a test-wise guesser passing the
	// final exam is an error.
	GuessLimit = 0.005
	// minExampleWords is the least number of words a question text needs
	// before an example can be said to repeat it: short texts share words by chance.
	minExampleWords = 5
)

// LintRules returns the names of all lint rules, in the order they are checked.
func LintRules() []string {
	return []string{RuleExplanationRefersToOption, RuleAnswerPositionSkew, RuleLengthCue,
		RuleNearDuplicate, RuleSmallPool, RuleObjectiveMissing, RuleGuessableExam}
}

// Lint reports the item-writing problems of every course in cat (see the
// Rule constants), sorted by file and line, without those of rules a course
// opts out of. cat comes from Load, so the format itself is sound.
func Lint(cat *Catalog) []Problem {
	var out []Problem
	for _, c := range cat.Courses {
		for _, p := range lintCourse(c, Stats(c)) {
			if _, allowed := c.Allow[p.Rule]; !allowed {
				out = append(out, p)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return out
}

// Figures are the numbers behind the lints for a set of questions: one
// module (its module and exam pools) or the whole course.
type Figures struct {
	// ID is the module id, or "" for the whole course.
	ID string
	// QuizPool and ExamPool are the numbers of questions in questions.yaml
	// and exam.yaml.
	QuizPool, ExamPool int
	// Single, Multiple and TrueFalse count the questions by type.
	Single, Multiple, TrueFalse int
	// Positions counts the single-choice questions by the id of their correct option.
	Positions map[string]int
	// LengthCues lists per language the single-choice questions whose correct
	// option is longer than every other by more than 15 %.
	LengthCues map[string][]string
	// Sets counts the multiple-choice questions by their correct set ("a,c").
	Sets map[string]int
	// True and False count the true/false questions by their key.
	True, False int
	// MostSimilar is the most similar pair of question texts.
	MostSimilar Similarity
	// NoObjective lists the questions without an objective.
	NoObjective []string
	// Uncovered lists the objectives (1-based) no question tests; only for a module.
	Uncovered []int
}

// Similarity is the word-set similarity of two question texts in one language.
type Similarity struct {
	A, B  string // question ids
	Lang  string
	Score float64 // Jaccard similarity of the normalised word sets, 0..1
}

// CourseStats are the figures of a course, per module and in all, and the
// chance that a test-wise guesser passes its final exam.
type CourseStats struct {
	Course  Figures
	Modules []Figures
	// Guess is the probability per language that the test-wise guesser
	// passes the final exam (see Guess); exact, computed by quiz.PassProbability.
	Guess map[string]float64
	// GuessErr says why Guess could not be computed (the exam rules do not fit
	// the pool), or is nil.
	GuessErr error
}

// Stats returns the figures of course c.
func Stats(c *Course) CourseStats {
	st := CourseStats{Course: newFigures(""), Guess: map[string]float64{}}
	all := slices.Concat(c.all, c.exam)
	for _, m := range c.Modules {
		f := newFigures(m.ID)
		f.QuizPool, f.ExamPool = len(m.Questions), len(m.ExamQuestions)
		qs := slices.Concat(m.Questions, m.ExamQuestions)
		f.add(c, qs)
		covered := map[int]bool{}
		for _, q := range qs {
			covered[c.objective[q.ID]] = true
		}
		for i := range m.Objectives[c.Languages[0]] {
			if !covered[i+1] {
				f.Uncovered = append(f.Uncovered, i+1)
			}
		}
		st.Modules = append(st.Modules, f)
		st.Course.QuizPool += f.QuizPool
		st.Course.ExamPool += f.ExamPool
	}
	st.Course.add(c, all)
	spec := quiz.DrawSpec{N: c.Exam.Questions, MinPerModule: c.Exam.MinPerModule}
	for _, lang := range c.Languages {
		p, err := quiz.PassProbability(c.ExamPool(), spec, c.Exam.PassPercent, func(q quiz.Question) float64 { return Guess(q, lang) })
		if err != nil {
			st.GuessErr = err
			break
		}
		st.Guess[lang] = p
	}
	return st
}

func newFigures(id string) Figures {
	return Figures{ID: id, Positions: map[string]int{}, LengthCues: map[string][]string{}, Sets: map[string]int{}}
}

// add counts the questions qs of course c into f.
func (f *Figures) add(c *Course, qs []quiz.Question) {
	for _, q := range qs {
		if c.objective[q.ID] == 0 {
			f.NoObjective = append(f.NoObjective, q.ID)
		}
		key := correctIDs(q)
		switch q.Type {
		case quiz.Single:
			f.Single++
			f.Positions[strings.Join(key, ",")]++
			for _, lang := range c.Languages {
				if lengthCue(q, lang) {
					f.LengthCues[lang] = append(f.LengthCues[lang], q.ID)
				}
			}
		case quiz.Multiple:
			f.Multiple++
			f.Sets[strings.Join(key, ",")]++
		case quiz.TrueFalse:
			f.TrueFalse++
			if slices.Equal(key, []string{"true"}) {
				f.True++
			} else {
				f.False++
			}
		}
	}
	for _, lang := range c.Languages {
		words := make([]map[string]bool, len(qs))
		for i, q := range qs {
			words[i] = wordSet(q.Text[lang])
		}
		for i := range qs {
			for j := i + 1; j < len(qs); j++ {
				if s := jaccard(words[i], words[j]); s > f.MostSimilar.Score {
					f.MostSimilar = Similarity{A: qs[i].ID, B: qs[j].ID, Lang: lang, Score: s}
				}
			}
		}
	}
}

// correctIDs returns the ids of q's correct options, sorted.
func correctIDs(q quiz.Question) []string {
	var ids []string
	for _, o := range q.Options {
		if o.Correct {
			ids = append(ids, o.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// optionLen is the length of an option's text in lang, in characters.
func optionLen(o quiz.Option, lang string) int {
	return utf8.RuneCountInString(strings.TrimSpace(o.Text[lang]))
}

// lengthCue reports whether q's correct option is longer in lang than every
// other option by more than LengthCueRatio.
func lengthCue(q quiz.Question, lang string) bool {
	correct, other := 0, 0
	for _, o := range q.Options {
		if o.Correct {
			correct = optionLen(o, lang)
		} else {
			other = max(other, optionLen(o, lang))
		}
	}
	return float64(correct) > LengthCueRatio*float64(other)
}

// Guess returns the probability that a test-wise guesser answers q right
// when reading it in lang. The guesser knows nothing of the subject and
// answers by form: in single choice the longest option (ties broken
// uniformly at random), in multiple choice all options but the shortest
// (likewise), in true/false always "false".
func Guess(q quiz.Question, lang string) float64 {
	switch q.Type {
	case quiz.TrueFalse:
		for _, o := range q.Options {
			if o.ID == "false" && o.Correct {
				return 1
			}
		}
		return 0
	case quiz.Single, quiz.Multiple:
		best := -1
		var tied []quiz.Option
		for _, o := range q.Options {
			n := optionLen(o, lang)
			if q.Type == quiz.Multiple {
				n = -n // the shortest is the one left out
			}
			switch {
			case n > best || tied == nil:
				best, tied = n, []quiz.Option{o}
			case n == best:
				tied = append(tied, o)
			}
		}
		right := 0
		for _, o := range tied {
			// Single: the chosen option is the key. Multiple: leaving out o is
			// right when o is the only wrong option.
			if q.Type == quiz.Single && o.Correct || q.Type == quiz.Multiple && !o.Correct && wrongCount(q) == 1 {
				right++
			}
		}
		return float64(right) / float64(len(tied))
	}
	return 0
}

func wrongCount(q quiz.Question) int {
	n := 0
	for _, o := range q.Options {
		if !o.Correct {
			n++
		}
	}
	return n
}

// lintCourse returns every lint problem of c, allowed rules included.
func lintCourse(c *Course, st CourseStats) []Problem {
	var out []Problem
	add := func(rule, file string, line int, format string, args ...any) {
		out = append(out, Problem{File: file, Line: line, Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	all := slices.Concat(c.all, c.exam)

	patterns := map[string][]refPattern{} // by the question's type and option ids: most questions share a/b/c/d
	for _, q := range all {
		pos := c.pos[q.ID]
		key := string(q.Type)
		for _, o := range q.Options {
			key += "\x00" + o.ID
		}
		if _, ok := patterns[key]; !ok {
			patterns[key] = refPatterns(q)
		}
		for _, lang := range c.Languages {
			if ref := findReference(patterns[key], q.Explanation[lang]); ref != "" {
				add(RuleExplanationRefersToOption, pos.file, pos.explanation[lang],
					"question %q: the %s explanation refers to an option by its id (%q); options are shuffled and shown without ids, so state the answer in words",
					q.ID, lang, ref)
			}
		}
		if c.objective[q.ID] == 0 {
			add(RuleObjectiveMissing, pos.file, pos.line,
				"question %q has no objective: add objective: N, the number of the module's learning objective it tests", q.ID)
		}
	}

	f := st.Course
	if id, n := largest(f.Positions); f.Single > 0 && share(n, f.Single) > SkewLimit {
		add(RuleAnswerPositionSkew, c.file, c.modulesLine,
			"option %s is the correct one in %d of %d single-choice questions (%s), more than %s: spread the key over the option ids",
			id, n, f.Single, percent(share(n, f.Single)), percent(SkewLimit))
	}
	if set, n := largest(f.Sets); f.Multiple > 0 && share(n, f.Multiple) > SkewLimit {
		add(RuleAnswerPositionSkew, c.file, c.modulesLine,
			"the correct set {%s} occurs in %d of %d multiple-choice questions (%s), more than %s: vary the number and the ids of correct options",
			set, n, f.Multiple, percent(share(n, f.Multiple)), percent(SkewLimit))
	}
	for _, lang := range c.Languages {
		if n := len(f.LengthCues[lang]); f.Single > 0 && share(n, f.Single) > LengthCueLimit {
			add(RuleLengthCue, c.file, c.modulesLine,
				"in %d of %d single-choice questions (%s) the correct %s option is the longest by more than 15 %%, more than %s: %s",
				n, f.Single, percent(share(n, f.Single)), lang, percent(LengthCueLimit), strings.Join(f.LengthCues[lang], ", "))
		}
	}

	// Near-duplicate question texts, once per pair (the most similar language).
	words := map[string][]map[string]bool{} // language -> word set of all[i]
	for _, lang := range c.Languages {
		for _, q := range all {
			words[lang] = append(words[lang], wordSet(q.Text[lang]))
		}
	}
	for i, a := range all {
		for j := i + 1; j < len(all); j++ {
			b := all[j]
			best, bestLang := 0.0, ""
			for _, lang := range c.Languages {
				if s := jaccard(words[lang][i], words[lang][j]); s > best {
					best, bestLang = s, lang
				}
			}
			if best > SimilarityLimit {
				pa, pb := c.pos[a.ID], c.pos[b.ID]
				add(RuleNearDuplicate, pb.file, pb.text[bestLang],
					"question %q: its %s text shares %s of its words with question %q (%s:%d), more than %s: ask something else or drop one",
					b.ID, bestLang, percent(best), a.ID, pa.file, pa.text[bestLang], percent(SimilarityLimit))
			}
		}
	}
	// Examples (block quotes) that repeat a question's text.
	for _, m := range c.Modules {
		for _, lang := range c.Languages {
			for _, e := range m.examples[lang] {
				ew := wordSet(e.text)
				for i, q := range all {
					qw := words[lang][i]
					if len(qw) < minExampleWords {
						continue
					}
					if s := contained(qw, ew); s > SimilarityLimit {
						pq := c.pos[q.ID]
						add(RuleNearDuplicate, e.file, e.line,
							"the example repeats question %q (%s:%d): %s of its words; an example in the text gives the question away",
							q.ID, pq.file, pq.text[lang], percent(s))
					}
				}
			}
		}
	}

	for _, m := range c.Modules {
		if n := len(m.Questions); n < MinPool {
			add(RuleSmallPool, m.quizPool.file, m.quizPool.line,
				"the module pool has %d questions, fewer than %d: a quiz retaken a few times shows them all", n, MinPool)
		}
	}

	if st.GuessErr == nil {
		for _, lang := range c.Languages {
			if p := st.Guess[lang]; p >= GuessLimit {
				add(RuleGuessableExam, c.file, c.examLine,
					"a test-wise guesser reading %s (longest option; in multiple choice all but the shortest; \"false\") passes the final exam with probability %s, the limit is under %s",
					lang, percentFine(p), percentFine(GuessLimit))
			}
		}
	}
	return out
}

// largest returns the key with the highest count (the first in sorted order on a tie).
func largest(counts map[string]int) (string, int) {
	best, n := "", 0
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if counts[k] > n {
			best, n = k, counts[k]
		}
	}
	return best, n
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func percent(x float64) string { return fmt.Sprintf("%.0f %%", 100*x) }

// percentFine shows small probabilities with enough digits to compare with 0.5 %.
func percentFine(x float64) string {
	if x > 0 && x < 1e-6 {
		return fmt.Sprintf("%.1e %%", 100*x)
	}
	return fmt.Sprintf("%.4f %%", 100*x)
}

// stopWords are left out of word sets: they say nothing about what a
// question asks, yet make any two questions look alike.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`der die das den dem des ein eine einer eines einem einen und oder
		ist sind war wird werden wurde zu zum zur im in am an auf aus bei mit von vor nach für über um
		als wie was wer wo sie er es ihr ihre ihren ihnen sich man nicht kein keine nur auch noch dass
		so welche welcher welches dies diese dieser dieses hat haben kann können darf dürfen muss müssen
		soll sollte the a an and or is are was were be been to of in on at by for with from as what which
		who how it its this that these those not no only also your you they their he she his her we our
		has have had can may must should do does will would`) {
		m[w] = true
	}
	return m
}()

// wordSet returns the normalised words of s: lower-case runs of letters and
// digits, stop words left out.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !stopWords[w] {
			set[w] = true
		}
	}
	return set
}

// jaccard returns |a ∩ b| / |a ∪ b|, 0 for two empty sets.
func jaccard(a, b map[string]bool) float64 {
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	union := len(a) + len(b) - both
	if union == 0 {
		return 0
	}
	return float64(both) / float64(union)
}

// contained returns the share of a's words that occur in b.
func contained(a, b map[string]bool) float64 {
	if len(a) == 0 {
		return 0
	}
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	return float64(both) / float64(len(a))
}

// optionReference returns the part of explanation that names one of q's
// options by its id ("Richtig ist a", "a and b are correct", "Option b",
// "(b, c)"), or "". True/false questions are left out: there the ids are the
// words "true" and "false". Legal citations ("lit. a", "Art. 6(1)(a)",
// "point (b)") are not references.
func optionReference(q quiz.Question, explanation string) string {
	return findReference(refPatterns(q), explanation)
}

// refPattern is one way of naming an option by its id; group 1 of re is the reference.
type refPattern struct {
	re      *regexp.Regexp
	guarded bool // needs the citation guard: nothing before the ids anchors it
}

// refPatterns returns the patterns for q's option ids, none for true/false.
func refPatterns(q quiz.Question) []refPattern {
	if q.Type == quiz.TrueFalse || len(q.Options) == 0 {
		return nil
	}
	var ids, others []string // others: the ids that cannot be the English article "a"
	for _, o := range q.Options {
		ids = append(ids, regexp.QuoteMeta(o.ID))
		if o.ID != "a" {
			others = append(others, regexp.QuoteMeta(o.ID))
		}
	}
	alt := func(ids []string) string { return `\b(?:` + strings.Join(ids, "|") + `)\b` }
	const sep = `\s*(?:,|/|&|\bund\b|\band\b|\boder\b|\bor\b|\bsowie\b|\bas well as\b)\s*`
	id := alt(ids)
	list := id + `(?:` + sep + id + `)*`
	// after: what may follow an id list that is a reference, so that "the
	// answer a colleague gives" or "correct is a judgement" do not count.
	const after = `(?:\s*[.,;:!?)]|\s*$|\s+(?:ist|sind|is|are|und|and|oder|or|weil|because|denn|since)\b)`
	const verb = `(?:ist|sind|is|are|was|were|wäre|wären|lautet|lauten)`
	const judgement = `(?:richtig|korrekt|falsch|zutreffend|unzutreffend|correct|right|wrong|incorrect|true|false)`
	const pointer = `(?:option|optionen|options|antwort|antworten|answer|answers|antwortmöglichkeit|antwortmöglichkeiten|alternative|alternativen|choice|choices|lösung)\s+(?:` + verb + `\s*:?\s+)?`
	var out []refPattern
	add := func(re string, guarded bool) { out = append(out, refPattern{regexp.MustCompile(`(?i)` + re), guarded}) }
	add(`(`+judgement+`\s+`+verb+`(?:\s+(?:nur|only|allein|auch|also))?\s*:?\s+`+list+`)`+after, false)
	// "Option b übertreibt", "Antworten (b, c)"; a lone "a" only before
	// punctuation or a verb, as "answer a question" is English.
	multi := id + `(?:` + sep + id + `)+`
	if len(others) > 0 {
		multi += `|` + alt(others)
	}
	add(`(`+pointer+`\(?(?:`+multi+`)\)?)`, false)
	if len(others) < len(ids) {
		add(`(`+pointer+`\(?\ba\b\)?)`+after, false)
	}
	add(`(`+list+`\s+`+verb+`(?:\s+(?:nur|only|auch|also|jeweils|each))?\s+`+judgement+`)`, true)
	add(`(\(\s*`+list+`\s*\))`, true)
	return out
}

// findReference returns the earliest reference in explanation, so that the
// message quotes what a reader meets first, or "".
func findReference(patterns []refPattern, explanation string) string {
	var first []int
	for _, p := range patterns {
		for _, loc := range p.re.FindAllStringSubmatchIndex(explanation, -1) {
			if p.guarded && citation(explanation[:loc[2]]) {
				continue
			}
			if first == nil || loc[2] < first[0] {
				first = loc[2:4]
			}
			break
		}
	}
	if first == nil {
		return ""
	}
	return strings.TrimSpace(explanation[first[0]:first[1]])
}

// citationEnd matches the end of a text that makes the next letter part of a
// legal citation: "lit.", "Buchst.", "point", a digit or a closing bracket.
var citationEnd = regexp.MustCompile(`(?i)(?:\blit\.?|\bbuchst\.?|\bbuchstabe|\bpoints?|\bletters?|\bnr\.?|\bno\.?|\bziff\.?|\d|\))\s*$`)

func citation(before string) bool { return citationEnd.MatchString(before) }
