package quiz

import (
	"math/rand/v2"

	"kipass/internal/errs"
)

// tokenAlphabet holds the characters of option tokens: lower-case letters
// and digits, so that a token is safe in a form field name, a URL and JSON.
const tokenAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// tokenLen is the length of an option token: 10 characters of a 32-letter
// alphabet are 50 bits, far beyond guessing within one attempt.
const tokenLen = 10

// Tokenize gives every option of every drawn question a random token,
// unique within the attempt, stored in Drawn.Tokens beside Drawn.OptionIDs.
// The learner sees and answers with the tokens only, so the content's own
// option ids (which could hint at the key, such as "a" for the first
// written option) never leave the server. rng must be a cryptographically
// seeded source; each attempt gets its own tokens.
func Tokenize(drawn []Drawn, rng *rand.Rand) {
	seen := make(map[string]bool)
	for i := range drawn {
		toks := make([]string, len(drawn[i].OptionIDs))
		for j := range toks {
			for {
				t := newToken(rng)
				if !seen[t] {
					seen[t] = true
					toks[j] = t
					break
				}
			}
		}
		drawn[i].Tokens = toks
	}
}

func newToken(rng *rand.Rand) string {
	b := make([]byte, tokenLen)
	for i := range b {
		b[i] = tokenAlphabet[rng.IntN(len(tokenAlphabet))]
	}
	return string(b)
}

// Shown returns the option ids as the learner sees them, in presented
// order: the tokens, or the content ids for an attempt drawn before tokens
// existed (such attempts keep working unchanged).
func (d Drawn) Shown() []string {
	if len(d.Tokens) == len(d.OptionIDs) && len(d.Tokens) > 0 {
		return d.Tokens
	}
	return d.OptionIDs
}

// ContentID returns the content's option id for a shown id of d, and
// whether d presented it.
func (d Drawn) ContentID(shown string) (string, bool) {
	for i, s := range d.Shown() {
		if s == shown {
			return d.OptionIDs[i], true
		}
	}
	return "", false
}

// ShownID returns the id under which d presents the content option id, and
// whether d presented that option at all.
func (d Drawn) ShownID(contentID string) (string, bool) {
	shown := d.Shown()
	for i, id := range d.OptionIDs {
		if id == contentID {
			return shown[i], true
		}
	}
	return "", false
}

// ToContent translates answers given in shown ids (tokens) into content
// option ids, for Grade. An option that the attempt did not show under that
// id (a content id, a token of another attempt, a made-up value) makes the
// answers invalid, with one "answers.<question id>" field per bad answer;
// answers to questions outside the attempt are left for Validate to report.
func ToContent(drawn []Drawn, a Answers) (Answers, error) {
	byID, err := index(drawn)
	if err != nil {
		return nil, err
	}
	out := make(Answers, len(a))
	var fields map[string]string
	for qid, chosen := range a {
		d, ok := byID[qid]
		if !ok {
			out[qid] = chosen
			continue
		}
		ids := make([]string, 0, len(chosen))
		for _, s := range chosen {
			id, ok := d.ContentID(s)
			if !ok {
				if fields == nil {
					fields = make(map[string]string)
				}
				fields["answers."+qid] = "chooses an option this attempt did not show"
				break
			}
			ids = append(ids, id)
		}
		out[qid] = ids
	}
	if fields != nil {
		return nil, &errs.Error{Kind: errs.Invalid, Code: "invalid_answers", Message: "The answers are not valid.", Fields: fields}
	}
	return out, nil
}

// FromContent translates answers in content ids back into shown ids, for
// showing a saved draft or submission. Options the attempt did not show are
// dropped.
func FromContent(drawn []Drawn, a Answers) Answers {
	byID, err := index(drawn)
	if err != nil {
		return Answers{}
	}
	out := make(Answers, len(a))
	for qid, ids := range a {
		d, ok := byID[qid]
		if !ok {
			continue
		}
		shown := make([]string, 0, len(ids))
		for _, id := range ids {
			if s, ok := d.ShownID(id); ok {
				shown = append(shown, s)
			}
		}
		out[qid] = shown
	}
	return out
}

// ShownResult returns r with Chosen and CorrectOptions in shown ids (the
// attempt's tokens). A correct option that the attempt did not show (the
// content changed after the draw) has no shown id and is left out.
func ShownResult(drawn []Drawn, r Result) Result {
	byID, err := index(drawn)
	if err != nil {
		return r
	}
	out := r
	out.Questions = make([]QuestionResult, len(r.Questions))
	for i, qr := range r.Questions {
		d := byID[qr.QuestionID]
		qr.Chosen = shownIDs(d, qr.Chosen)
		qr.CorrectOptions = shownIDs(d, qr.CorrectOptions)
		out.Questions[i] = qr
	}
	return out
}

func shownIDs(d Drawn, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if s, ok := d.ShownID(id); ok {
			out = append(out, s)
		}
	}
	return out
}
