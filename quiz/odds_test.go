package quiz_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

// hitsByID returns a hit function that looks the probability up by question id.
func hitsByID(p map[string]float64) func(quiz.Question) float64 {
	return func(q quiz.Question) float64 { return p[q.ID] }
}

// TestPassProbabilityByHand checks a draw small enough to enumerate on paper:
// modules A = {a1 (always right), a2 (never)} and B = {b1 (always), b2 (half)},
// 3 questions, at least 1 per module. After one from each module the third is
// the other A or the other B question, 1/2 each.
//   - pass mark 100 (3 of 3): only "both B" can pass (a2 is never right):
//     1/2 (both B) * 1/2 (a1 is the A question) * 1/2 (b2 right) = 1/8.
//   - pass mark 60 (2 of 3): "both A" passes when the B question is right:
//     1/2 (b1) + 1/2 * 1/2 (b2) = 3/4; "both B" passes when a1 or b2 is right:
//     1 - 1/2 * 1/2 = 3/4. In all 3/4.
func TestPassProbabilityByHand(t *testing.T) {
	pool := []quiz.Question{
		truefalse("a1", "A", true), truefalse("a2", "A", true),
		truefalse("b1", "B", true), truefalse("b2", "B", true),
	}
	hit := hitsByID(map[string]float64{"a1": 1, "a2": 0, "b1": 1, "b2": 0.5})
	spec := quiz.DrawSpec{N: 3, MinPerModule: 1}
	for _, tc := range []struct {
		pass int
		want float64
	}{{100, 1.0 / 8}, {60, 3.0 / 4}, {67, 1.0 / 8}, {66, 3.0 / 4}, {1, 1}} {
		got, err := quiz.PassProbability(pool, spec, tc.pass, hit)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("pass %d%%: got %v, %v; want %v", tc.pass, got, err, tc.want)
		}
	}
	// Without a per-module share: any 2 of the 4, pass at 100 needs two
	// always-right questions or one with b2: {a1,b1} 1, {a1,b2} 1/2, {b1,b2} 1/2
	// out of 6 pairs: (1 + 1/2 + 1/2) / 6 = 1/3.
	got, err := quiz.PassProbability(pool, quiz.DrawSpec{N: 2}, 100, hit)
	if err != nil || math.Abs(got-1.0/3) > 1e-12 {
		t.Errorf("N=2: got %v, %v; want 1/3", got, err)
	}
}

// TestPassProbabilityMatchesDraw checks the exact figure against attempts
// drawn by Draw itself, so the two cannot drift apart: a pool of modules of
// unequal size, per-question hit rates, 60,000 seeded draws, and the
// simulated pass rate within 5 standard errors of the exact one.
func TestPassProbabilityMatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var pool []quiz.Question
	hit := map[string]float64{}
	for m, size := range []int{3, 5, 4} {
		for i := range size {
			q := truefalse(string(rune('a'+m))+string(rune('0'+i)), string(rune('A'+m)), true)
			pool = append(pool, q)
			hit[q.ID] = []float64{0, 0.25, 0.5, 0.9, 1}[rng.IntN(5)]
		}
	}
	spec := quiz.DrawSpec{N: 7, MinPerModule: 2}
	const pass = 70
	exact, err := quiz.PassProbability(pool, spec, pass, hitsByID(hit))
	if err != nil {
		t.Fatal(err)
	}
	const runs = 60000
	passed := 0
	for range runs {
		drawn, err := quiz.Draw(pool, spec, rng)
		if err != nil {
			t.Fatal(err)
		}
		right := 0
		for _, d := range drawn {
			if rng.Float64() < hit[d.QuestionID] {
				right++
			}
		}
		if 100*right >= pass*spec.N {
			passed++
		}
	}
	sim := float64(passed) / runs
	se := math.Sqrt(exact * (1 - exact) / runs)
	if exact <= 0 || exact >= 1 || math.Abs(sim-exact) > 5*se {
		t.Errorf("exact %.5f, simulated %.5f (5 SE = %.5f)", exact, sim, 5*se)
	}
}

func TestPassProbabilityBadInput(t *testing.T) {
	pool := []quiz.Question{truefalse("a1", "A", true), truefalse("b1", "B", true)}
	one := func(quiz.Question) float64 { return 1 }
	for name, run := range map[string]func() error{
		"pass mark": func() error { _, err := quiz.PassProbability(pool, quiz.DrawSpec{N: 1}, 0, one); return err },
		"too many":  func() error { _, err := quiz.PassProbability(pool, quiz.DrawSpec{N: 3}, 50, one); return err },
		"share": func() error {
			_, err := quiz.PassProbability(pool, quiz.DrawSpec{N: 1, MinPerModule: 1}, 50, one)
			return err
		},
		"hit": func() error {
			_, err := quiz.PassProbability(pool, quiz.DrawSpec{N: 1}, 50, func(quiz.Question) float64 { return math.NaN() })
			return err
		},
		"duplicate": func() error {
			_, err := quiz.PassProbability(append(pool, pool[0]), quiz.DrawSpec{N: 1}, 50, one)
			return err
		},
	} {
		if e := errs.As(run()); e == nil || e.Kind != errs.Invalid {
			t.Errorf("%s: got %v, want an errs.Invalid error", name, e)
		}
	}
}
