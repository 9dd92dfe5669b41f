package quiz

import (
	"math/rand/v2"

	"kipass/internal/errs"
)

// DrawSpec says how many questions an attempt draws and how they spread over modules.
type DrawSpec struct {
	// N is the number of questions in the attempt.
	N int
	// MinPerModule is the least number of questions drawn from each module
	// (Question.Module) present in the pool: 0 for a module quiz, 2 for the exam.
	MinPerModule int
}

// Drawn is one question as presented in an attempt: its id, its type and its
// option ids in the order shown. An attempt is a []Drawn in presented order;
// the answer key is not part of it.
type Drawn struct {
	QuestionID string   `json:"question_id"`
	Type       Type     `json:"type"`
	OptionIDs  []string `json:"option_ids"`
	// Tokens are the ids under which the options are shown and answered,
	// one per OptionIDs entry (see Tokenize); empty in attempts drawn
	// before option tokens existed.
	Tokens []string `json:"tokens,omitempty"`
}

// Draw picks spec.N questions from pool in random order with shuffled options.
// For a module quiz the pool is one module's questions and spec.MinPerModule is 0.
// For the exam the pool holds every module's questions: Draw first takes
// spec.MinPerModule questions from each module, fills up to spec.N at random
// from the questions that remain, then shuffles the order. True/false options
// keep their natural order (true, false) because a shuffled pair reads oddly.
//
// Draw returns an errs.Invalid error when the spec is malformed, the pool holds
// a question id twice, or the pool cannot satisfy the spec. It does not modify
// pool; rng must not be nil, and the same seed gives the same attempt.
func Draw(pool []Question, spec DrawSpec, rng *rand.Rand) ([]Drawn, error) {
	if spec.N < 1 {
		return nil, errs.Invalidf("invalid_draw_spec", "an attempt needs at least one question, not %d", spec.N)
	}
	if spec.MinPerModule < 0 {
		return nil, errs.Invalidf("invalid_draw_spec", "questions per module must not be negative, not %d", spec.MinPerModule)
	}
	if len(pool) < spec.N {
		return nil, errs.Invalidf("pool_too_small", "the pool has %d questions, the attempt needs %d", len(pool), spec.N)
	}

	// Group pool indices by module in pool order (not map order), so that a
	// seeded rng always yields the same attempt.
	var modules []string
	byModule := make(map[string][]int)
	seen := make(map[string]bool, len(pool))
	for i, q := range pool {
		if seen[q.ID] {
			return nil, errs.Invalidf("duplicate_question", "the pool has question %q twice", q.ID)
		}
		seen[q.ID] = true
		if _, ok := byModule[q.Module]; !ok {
			modules = append(modules, q.Module)
		}
		byModule[q.Module] = append(byModule[q.Module], i)
	}
	if len(modules)*spec.MinPerModule > spec.N {
		return nil, errs.Invalidf("pool_too_small", "%d modules with %d questions each exceed the %d questions of the attempt",
			len(modules), spec.MinPerModule, spec.N)
	}

	picked := make([]int, 0, spec.N)
	var rest []int
	for _, m := range modules {
		idx := byModule[m]
		if len(idx) < spec.MinPerModule {
			return nil, errs.Invalidf("pool_too_small", "module %q has %d questions, the attempt needs %d from each module",
				m, len(idx), spec.MinPerModule)
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		picked = append(picked, idx[:spec.MinPerModule]...)
		rest = append(rest, idx[spec.MinPerModule:]...)
	}
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	picked = append(picked, rest[:spec.N-len(picked)]...)
	rng.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })

	out := make([]Drawn, len(picked))
	for k, i := range picked {
		out[k] = present(pool[i], rng)
	}
	return out, nil
}

// present returns q as shown in an attempt, its options shuffled unless it is true/false.
func present(q Question, rng *rand.Rand) Drawn {
	ids := make([]string, len(q.Options))
	for i, o := range q.Options {
		ids[i] = o.ID
	}
	if q.Type != TrueFalse {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	}
	return Drawn{QuestionID: q.ID, Type: q.Type, OptionIDs: ids}
}
