package quiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"kipass/internal/errs"
)

// Limits on submitted answers. They are far above any real attempt (20
// questions, a handful of options) and keep a hostile body cheap to reject.
const (
	// MaxAnswered is the most questions one submission may answer.
	MaxAnswered = 200
	// MaxChosen is the most options one answer may list.
	MaxChosen = 20
	// MaxIDLen is the longest question or option id accepted, in bytes.
	MaxIDLen = 64
)

// Answers maps a question id to the option ids chosen for it. A question that
// is missing or has an empty list is unanswered and counts as wrong.
type Answers map[string][]string

// ParseAnswers parses the JSON object {"question_id":["option_id",...]}. A
// single string value is accepted as a one-element list. Anything else (a
// body that is not one object, null or numbers as values, a question answered
// twice, empty or over-long ids, more than MaxAnswered questions or MaxChosen
// options) is an errs.Invalid error whose Fields name the offending entry as
// "answers" or "answers.<question id>". It reads the body as a token stream,
// so it stops at the first problem without decoding the rest.
func ParseAnswers(raw []byte) (Answers, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxProblem(err)
	}
	if tok != json.Delim('{') {
		return nil, invalidAnswers("answers", "must be a JSON object mapping question ids to lists of option ids")
	}
	a := make(Answers)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxProblem(err)
		}
		qid, ok := tok.(string) // the decoder yields only string keys; stay safe anyway
		if !ok {
			return nil, invalidAnswers("answers", "is not valid JSON")
		}
		if why := checkID("question", qid); why != "" {
			return nil, invalidAnswers("answers", why)
		}
		field := "answers." + qid
		if _, dup := a[qid]; dup {
			return nil, invalidAnswers(field, "is answered twice")
		}
		if len(a) == MaxAnswered {
			return nil, invalidAnswers("answers", fmt.Sprintf("must not answer more than %d questions", MaxAnswered))
		}
		chosen, why, err := parseChosen(dec)
		if err != nil {
			return nil, syntaxProblem(err)
		}
		if why != "" {
			return nil, invalidAnswers(field, why)
		}
		a[qid] = chosen
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, syntaxProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidAnswers("answers", "must be a single JSON object with nothing after it")
	}
	return a, nil
}

// parseChosen reads one answer value: a string or an array of strings. It
// returns a non-empty why when the value is well-formed JSON of the wrong shape.
func parseChosen(dec *json.Decoder) (chosen []string, why string, err error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, "", err
	}
	switch v := tok.(type) {
	case string:
		if why := checkID("option", v); why != "" {
			return nil, why, nil
		}
		return []string{v}, "", nil
	case json.Delim:
		if v != '[' {
			break
		}
		chosen = []string{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, "", err
			}
			id, ok := tok.(string)
			if !ok {
				return nil, "must list option ids as strings", nil
			}
			if why := checkID("option", id); why != "" {
				return nil, why, nil
			}
			if len(chosen) == MaxChosen {
				return nil, fmt.Sprintf("must not choose more than %d options", MaxChosen), nil
			}
			chosen = append(chosen, id)
		}
		if _, err := dec.Token(); err != nil { // the closing ']'
			return nil, "", err
		}
		return chosen, "", nil
	}
	return nil, "must be a list of option ids", nil
}

// checkID returns why id is not acceptable as a question or option id, or "".
func checkID(what, id string) string {
	switch {
	case id == "":
		return fmt.Sprintf("has an empty %s id", what)
	case len(id) > MaxIDLen:
		return fmt.Sprintf("has a %s id longer than %d characters", what, MaxIDLen)
	}
	return ""
}

// syntaxProblem turns a decoder error into an Invalid error. Every error the
// decoder returns on a byte slice comes from malformed or truncated input.
func syntaxProblem(err error) error {
	if errors.Is(err, io.EOF) {
		return invalidAnswers("answers", "is empty or incomplete JSON")
	}
	return invalidAnswers("answers", "is not valid JSON")
}

// invalidAnswers returns the Invalid error for one bad field of the answers.
func invalidAnswers(field, why string) *errs.Error {
	return &errs.Error{
		Kind:    errs.Invalid,
		Code:    "invalid_answers",
		Message: "The answers are not valid.",
		Fields:  map[string]string{field: why},
	}
}

// Validate checks a against the attempt drawn: every answered question must
// belong to the attempt, every chosen option must be one it presented, no
// option may be chosen twice, and single-choice and true/false questions take
// at most one option (checked when Drawn.Type is set). Problems are reported
// together as one errs.Invalid error with a Fields entry "answers.<question id>"
// per bad answer. Unanswered questions are fine: they count as wrong.
// An attempt that lists a question twice is a bug, reported as a plain error.
func Validate(drawn []Drawn, a Answers) error {
	byID, err := index(drawn)
	if err != nil {
		return err
	}
	var fields map[string]string
	for qid, chosen := range a {
		why := "is not a question of this attempt"
		if d, ok := byID[qid]; ok {
			why = checkChosen(d, chosen)
		}
		if why == "" {
			continue
		}
		if fields == nil {
			fields = make(map[string]string)
		}
		fields["answers."+qid] = why
	}
	if fields != nil {
		return &errs.Error{Kind: errs.Invalid, Code: "invalid_answers", Message: "The answers are not valid.", Fields: fields}
	}
	return nil
}

// checkChosen returns why chosen is not a valid answer to d, or "".
func checkChosen(d Drawn, chosen []string) string {
	if (d.Type == Single || d.Type == TrueFalse) && len(chosen) > 1 {
		return "must choose only one option"
	}
	for i, id := range chosen {
		// Both scans stay short: each option passing them is one of d's few
		// options, so a problem shows up within len(d.OptionIDs)+1 rounds.
		if !slices.Contains(d.OptionIDs, id) {
			return fmt.Sprintf("chooses unknown option %q", id)
		}
		if slices.Contains(chosen[:i], id) {
			return fmt.Sprintf("chooses option %q twice", id)
		}
	}
	return ""
}

// index maps question ids to the attempt's entries.
func index(drawn []Drawn) (map[string]Drawn, error) {
	byID := make(map[string]Drawn, len(drawn))
	for _, d := range drawn {
		if _, dup := byID[d.QuestionID]; dup {
			return nil, fmt.Errorf("quiz: the attempt lists question %q twice", d.QuestionID)
		}
		byID[d.QuestionID] = d
	}
	return byID, nil
}
