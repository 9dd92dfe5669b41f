package quiz_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

// checkDraw fails t unless drawn is a valid attempt of n questions from pool.
func checkDraw(t *testing.T, pool []quiz.Question, drawn []quiz.Drawn, n int) {
	t.Helper()
	if len(drawn) != n {
		t.Fatalf("drew %d questions, want %d", len(drawn), n)
	}
	questions := lookup(pool)
	seen := map[string]bool{}
	for _, d := range drawn {
		if seen[d.QuestionID] {
			t.Errorf("question %s drawn twice", d.QuestionID)
		}
		seen[d.QuestionID] = true
		q, ok := questions(d.QuestionID)
		if !ok {
			t.Fatalf("drew %s, which is not in the pool", d.QuestionID)
		}
		if d.Type != q.Type {
			t.Errorf("%s: type %q, want %q", d.QuestionID, d.Type, q.Type)
		}
		var want []string
		for _, o := range q.Options {
			want = append(want, o.ID)
		}
		got := slices.Clone(d.OptionIDs)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: options %v are not a permutation of %v", d.QuestionID, d.OptionIDs, want)
		}
		if q.Type == quiz.TrueFalse && !slices.Equal(d.OptionIDs, []string{"true", "false"}) {
			t.Errorf("%s: true/false options shuffled to %v", d.QuestionID, d.OptionIDs)
		}
	}
}

func TestDrawModuleQuiz(t *testing.T) {
	for seed := range uint64(200) {
		rng := seeded(seed)
		pool := randomPool(rng, 1, 10+rng.IntN(10))
		drawn, err := quiz.Draw(pool, quiz.DrawSpec{N: 5}, rng)
		if err != nil {
			t.Fatal(err)
		}
		checkDraw(t, pool, drawn, 5)
	}
}

func TestDrawWholePool(t *testing.T) {
	pool := randomPool(seeded(1), 2, 5)
	drawn, err := quiz.Draw(pool, quiz.DrawSpec{N: 10, MinPerModule: 5}, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	checkDraw(t, pool, drawn, 10)
}

func TestDrawExamHonoursMinPerModule(t *testing.T) {
	for _, spec := range []quiz.DrawSpec{{N: 20, MinPerModule: 2}, {N: 16, MinPerModule: 2}, {N: 24, MinPerModule: 3}, {N: 96, MinPerModule: 12}} {
		for seed := range uint64(200) {
			rng := seeded(seed)
			pool := randomPool(rng, 8, 12)
			drawn, err := quiz.Draw(pool, spec, rng)
			if err != nil {
				t.Fatal(err)
			}
			checkDraw(t, pool, drawn, spec.N)
			perModule := map[string]int{}
			questions := lookup(pool)
			for _, d := range drawn {
				q, _ := questions(d.QuestionID)
				perModule[q.Module]++
			}
			if len(perModule) != 8 {
				t.Fatalf("spec %+v seed %d: modules %v", spec, seed, perModule)
			}
			for m, n := range perModule {
				if n < spec.MinPerModule {
					t.Errorf("spec %+v seed %d: module %s has %d questions", spec, seed, m, n)
				}
			}
		}
	}
}

func TestDrawShuffles(t *testing.T) {
	// Over many seeds, the first question comes from every module, options of
	// a single-choice question appear in several orders, and extra questions
	// beyond the minimum land in every module.
	pool := []quiz.Question{single("s", "m0", "a", "a", "b", "c", "d")}
	pool = append(pool, randomPool(seeded(3), 8, 12)...)
	firstModule := map[string]bool{}
	sOrders := map[string]bool{}
	extra := map[string]bool{}
	questions := lookup(pool)
	for seed := range uint64(300) {
		drawn, err := quiz.Draw(pool, quiz.DrawSpec{N: 20, MinPerModule: 2}, seeded(seed))
		if err != nil {
			t.Fatal(err)
		}
		q, _ := questions(drawn[0].QuestionID)
		firstModule[q.Module] = true
		perModule := map[string]int{}
		for _, d := range drawn {
			q, _ := questions(d.QuestionID)
			perModule[q.Module]++
			if d.QuestionID == "s" {
				sOrders[strings.Join(d.OptionIDs, "")] = true
			}
		}
		for m, n := range perModule {
			if n > 2 {
				extra[m] = true
			}
		}
	}
	if len(firstModule) != 8 {
		t.Errorf("first question came from modules %v only", firstModule)
	}
	if len(sOrders) < 12 { // of 24, each drawn with p = 1/24 about 20 times
		t.Errorf("single-choice options appeared in %d orders only", len(sOrders))
	}
	if len(extra) != 8 {
		t.Errorf("extra questions went to modules %v only", extra)
	}
}

func TestDrawDeterministic(t *testing.T) {
	pool := randomPool(seeded(4), 8, 12)
	spec := quiz.DrawSpec{N: 20, MinPerModule: 2}
	first, err := quiz.Draw(pool, spec, seeded(42))
	if err != nil {
		t.Fatal(err)
	}
	again, err := quiz.Draw(pool, spec, seeded(42))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Error("the same seed drew different attempts")
	}
	other, err := quiz.Draw(pool, spec, seeded(43))
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(first, other) {
		t.Error("different seeds drew the same attempt")
	}
}

func TestDrawDoesNotMutatePool(t *testing.T) {
	pool := randomPool(seeded(5), 8, 12)
	before := clone(t, pool)
	if _, err := quiz.Draw(pool, quiz.DrawSpec{N: 20, MinPerModule: 2}, seeded(6)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pool, before) {
		t.Error("Draw changed the pool")
	}
}

func TestDrawErrors(t *testing.T) {
	exam := randomPool(seeded(8), 8, 12)
	short := exam[:7*12+1] // module m7 keeps a single question
	tests := []struct {
		name string
		pool []quiz.Question
		spec quiz.DrawSpec
		code string
	}{
		{"no questions wanted", exam, quiz.DrawSpec{N: 0}, "invalid_draw_spec"},
		{"negative N", exam, quiz.DrawSpec{N: -1}, "invalid_draw_spec"},
		{"negative minimum", exam, quiz.DrawSpec{N: 5, MinPerModule: -1}, "invalid_draw_spec"},
		{"empty pool", nil, quiz.DrawSpec{N: 5}, "pool_too_small"},
		{"pool smaller than N", randomPool(seeded(11), 1, 4), quiz.DrawSpec{N: 5}, "pool_too_small"},
		{"pool larger than N but too few per module", short, quiz.DrawSpec{N: 20, MinPerModule: 2}, "pool_too_small"},
		{"minimum per module exceeds N", exam, quiz.DrawSpec{N: 15, MinPerModule: 2}, "pool_too_small"},
		{"module smaller than the minimum", exam, quiz.DrawSpec{N: 96, MinPerModule: 13}, "pool_too_small"},
		{"duplicate question id", append(slices.Clone(exam), exam[3]), quiz.DrawSpec{N: 5}, "duplicate_question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drawn, err := quiz.Draw(tt.pool, tt.spec, seeded(1))
			e := errs.As(err)
			if e == nil || e.Kind != errs.Invalid || e.Code != tt.code {
				t.Fatalf("Draw = %v, %v; want Invalid %s", drawn, err, tt.code)
			}
		})
	}
}
