package quiz

import (
	"math"

	"kipass/internal/errs"
)

// PassProbability returns the probability that an attempt drawn by Draw from
// pool with spec passes at passPercent, when every question q is answered
// correctly with probability hit(q), independently of the others (a guesser's
// strategy fixed per question). It is computed exactly, not simulated, from
// the rule Draw implements: spec.MinPerModule questions uniformly from each
// module, the rest uniformly from the questions that remain.
//
// Why that is tractable: after the draw, the questions of module m form a
// uniform subset of its pool whose size is MinPerModule plus a multivariate
// hypergeometric count, so the distribution of correct answers follows from
// one dynamic programme per module (over subset size and hits) and one over
// the modules (over questions used and hits). Passing is judged like Grade:
// 100*correct >= passPercent*N.
//
// It returns the same errs.Invalid errors as Draw for a spec the pool cannot
// satisfy, and one for a pass mark outside 1..100 or a hit outside [0, 1].
func PassProbability(pool []Question, spec DrawSpec, passPercent int, hit func(Question) float64) (float64, error) {
	if passPercent < 1 || passPercent > 100 {
		return 0, errs.Invalidf("invalid_draw_spec", "the pass mark must be between 1 and 100, not %d", passPercent)
	}
	if spec.N < 1 {
		return 0, errs.Invalidf("invalid_draw_spec", "an attempt needs at least one question, not %d", spec.N)
	}
	if spec.MinPerModule < 0 {
		return 0, errs.Invalidf("invalid_draw_spec", "questions per module must not be negative, not %d", spec.MinPerModule)
	}
	if len(pool) < spec.N {
		return 0, errs.Invalidf("pool_too_small", "the pool has %d questions, the attempt needs %d", len(pool), spec.N)
	}
	var modules []string
	hits := map[string][]float64{}
	seen := map[string]bool{}
	for _, q := range pool {
		if seen[q.ID] {
			return 0, errs.Invalidf("duplicate_question", "the pool has question %q twice", q.ID)
		}
		seen[q.ID] = true
		p := hit(q)
		if !(p >= 0 && p <= 1) {
			return 0, errs.Invalidf("invalid_hit", "question %q: hit probability %v is outside [0, 1]", q.ID, p)
		}
		if _, ok := hits[q.Module]; !ok {
			modules = append(modules, q.Module)
		}
		hits[q.Module] = append(hits[q.Module], p)
	}
	r := spec.MinPerModule
	if len(modules)*r > spec.N {
		return 0, errs.Invalidf("pool_too_small", "%d modules with %d questions each exceed the %d questions of the attempt",
			len(modules), r, spec.N)
	}
	rest := len(pool) - len(modules)*r // questions left after the per-module share
	k := spec.N - len(modules)*r       // drawn from those
	for _, m := range modules {
		if len(hits[m]) < r {
			return 0, errs.Invalidf("pool_too_small", "module %q has %d questions, the attempt needs %d from each module",
				m, len(hits[m]), r)
		}
	}

	// dist[used][x]: probability that the modules so far took used questions
	// of the k free ones and x of their questions were answered correctly.
	dist := [][]float64{{1}}
	left := rest
	for _, m := range modules {
		free := len(hits[m]) - r
		sub := subsetHits(hits[m], min(len(hits[m]), r+k))
		next := make([][]float64, k+1)
		for used := range next {
			next[used] = make([]float64, spec.N+1)
		}
		for used, row := range dist {
			for x, pr := range row {
				if pr == 0 {
					continue
				}
				todo := k - used
				for b := 0; b <= min(free, todo); b++ {
					// Hypergeometric: b of the todo free picks fall into this module.
					pb := math.Exp(lchoose(free, b) + lchoose(left-free, todo-b) - lchoose(left, todo))
					if pb == 0 {
						continue
					}
					for y, py := range sub[r+b] {
						next[used+b][x+y] += pr * pb * py
					}
				}
			}
		}
		dist, left = next, left-free
	}
	pass := 0.0
	for x, pr := range dist[k] {
		if 100*x >= passPercent*spec.N {
			pass += pr
		}
	}
	return min(pass, 1), nil
}

// subsetHits returns h[c][x]: for a uniform random c-subset of questions with
// the given hit probabilities (c up to maxC), the probability of x hits.
// The recurrence adds one question at a time: among the c-subsets of the
// first j questions, a fraction c/j contains question j.
func subsetHits(p []float64, maxC int) [][]float64 {
	h := make([][]float64, maxC+1)
	for c := range h {
		h[c] = make([]float64, c+1)
	}
	h[0][0] = 1
	for j := 1; j <= len(p); j++ {
		pj := p[j-1]
		for c := min(j, maxC); c >= 1; c-- {
			row := make([]float64, c+1)
			keep := float64(j-c) / float64(j)
			take := float64(c) / float64(j)
			for x := 0; x <= c; x++ {
				row[x] += keep * h[c][x]
				if x <= c-1 {
					row[x] += take * h[c-1][x] * (1 - pj)
				}
				if x >= 1 {
					row[x] += take * h[c-1][x-1] * pj
				}
			}
			h[c] = row
		}
	}
	return h
}

// lchoose returns log(n choose k), or -Inf when k is outside 0..n.
func lchoose(n, k int) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
