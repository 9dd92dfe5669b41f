package quiz_test

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"kipass/quiz"
)

// single returns a single-choice question; the first option id is correct.
func single(id, module string, correct string, opts ...string) quiz.Question {
	return question(id, module, quiz.Single, []string{correct}, opts)
}

// multiple returns a multiple-choice question with the given correct options.
func multiple(id, module string, correct []string, opts ...string) quiz.Question {
	return question(id, module, quiz.Multiple, correct, opts)
}

// truefalse returns a true/false question whose answer is answer.
func truefalse(id, module string, answer bool) quiz.Question {
	correct := "false"
	if answer {
		correct = "true"
	}
	return question(id, module, quiz.TrueFalse, []string{correct}, []string{"true", "false"})
}

func question(id, module string, t quiz.Type, correct, opts []string) quiz.Question {
	q := quiz.Question{ID: id, Module: module, Type: t, Text: quiz.Text{"de": id, "en": id}}
	for _, o := range opts {
		q.Options = append(q.Options, quiz.Option{ID: o, Text: quiz.Text{"de": o}, Correct: slices.Contains(correct, o)})
	}
	return q
}

// lookup returns the question lookup Grade expects, over pool.
func lookup(pool []quiz.Question) func(string) (quiz.Question, bool) {
	byID := make(map[string]quiz.Question, len(pool))
	for _, q := range pool {
		byID[q.ID] = q
	}
	return func(id string) (quiz.Question, bool) {
		q, ok := byID[id]
		return q, ok
	}
}

// presented returns pool as an attempt in natural order, nothing shuffled.
func presented(pool []quiz.Question) []quiz.Drawn {
	out := make([]quiz.Drawn, len(pool))
	for i, q := range pool {
		d := quiz.Drawn{QuestionID: q.ID, Type: q.Type, OptionIDs: []string{}}
		for _, o := range q.Options {
			d.OptionIDs = append(d.OptionIDs, o.ID)
		}
		out[i] = d
	}
	return out
}

// key returns the correct answers to the attempt drawn.
func key(questions func(string) (quiz.Question, bool), drawn []quiz.Drawn) quiz.Answers {
	a := make(quiz.Answers, len(drawn))
	for _, d := range drawn {
		q, _ := questions(d.QuestionID)
		a[d.QuestionID] = []string{}
		for _, o := range q.Options {
			if o.Correct {
				a[d.QuestionID] = append(a[d.QuestionID], o.ID)
			}
		}
	}
	return a
}

// randomQuestion returns a question of random type with 2..6 options.
func randomQuestion(rng *rand.Rand, id, module string) quiz.Question {
	switch rng.IntN(3) {
	case 0:
		return truefalse(id, module, rng.IntN(2) == 0)
	case 1:
		opts := optionIDs(2 + rng.IntN(5))
		return single(id, module, opts[rng.IntN(len(opts))], opts...)
	default:
		opts := optionIDs(2 + rng.IntN(5))
		var correct []string
		for len(correct) == 0 {
			for _, o := range opts {
				if rng.IntN(2) == 0 {
					correct = append(correct, o)
				}
			}
		}
		return multiple(id, module, correct, opts...)
	}
}

func optionIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = string(rune('a' + i))
	}
	return ids
}

// randomPool returns modules*perModule random questions with ids "m<i>-q<j>".
func randomPool(rng *rand.Rand, modules, perModule int) []quiz.Question {
	var pool []quiz.Question
	for m := range modules {
		for j := range perModule {
			pool = append(pool, randomQuestion(rng, fmt.Sprintf("m%d-q%d", m, j), fmt.Sprintf("m%d", m)))
		}
	}
	return pool
}

// randomAnswers answers each question of drawn with a random subset of its
// options (possibly none, at most one for single and true/false), and leaves
// some questions out.
func randomAnswers(rng *rand.Rand, drawn []quiz.Drawn) quiz.Answers {
	a := make(quiz.Answers)
	for _, d := range drawn {
		if rng.IntN(5) == 0 {
			continue
		}
		chosen := []string{}
		if d.Type == quiz.Multiple {
			for _, o := range d.OptionIDs {
				if rng.IntN(2) == 0 {
					chosen = append(chosen, o)
				}
			}
		} else if rng.IntN(4) != 0 {
			chosen = append(chosen, d.OptionIDs[rng.IntN(len(d.OptionIDs))])
		}
		a[d.QuestionID] = chosen
	}
	return a
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b6970617373)) }
