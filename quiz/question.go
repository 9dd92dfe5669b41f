// Package quiz draws quiz attempts from question pools and grades answers.
// It is pure: no I/O, no clock, no HTTP. Callers pass the random source.
package quiz

// Type is the kind of a question.
type Type string

// The question types a course may use.
const (
	// Single has exactly one correct option.
	Single Type = "single"
	// Multiple has one or more correct options; all must be chosen and no wrong one.
	Multiple Type = "multiple"
	// TrueFalse has the two options "true" and "false", exactly one correct.
	TrueFalse Type = "truefalse"
)

// Valid reports whether t is a known question type.
func (t Type) Valid() bool { return t == Single || t == Multiple || t == TrueFalse }

// Text holds one string per language code ("de", "en").
type Text map[string]string

// Get returns the text in lang, falling back to German, then to any language.
func (t Text) Get(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t["de"]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Option is one answer option of a question. IDs are stable across languages.
type Option struct {
	ID      string `json:"id"`
	Text    Text   `json:"text"`
	Correct bool   `json:"correct"`
}

// Question is one question of a module's pool. IDs are unique within a course.
type Question struct {
	ID          string   `json:"id"`
	Module      string   `json:"module,omitempty"`
	Type        Type     `json:"type"`
	Text        Text     `json:"text"`
	Options     []Option `json:"options"`
	Explanation Text     `json:"explanation,omitempty"`
}
