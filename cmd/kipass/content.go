package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"kipass/content"
	"kipass/courses"
)

// contentHelp returns the help text of a content subcommand, "" for an unknown one.
func contentHelp(sub string) string {
	switch sub {
	case "check":
		return "Validates a content folder (the embedded course when DIR is absent): the format, then the\n" +
			"item-writing lints (see content/README.md). Prints every problem as file:line: message;\n" +
			"exit code 1 when there is any."
	case "export":
		return "Prints the whole course catalogue as JSON, answer keys included (for translators and auditors)."
	case "stats":
		return "Prints the figures behind the lints per module and course (key positions, length cues,\n" +
			"multiple-choice sets, true/false balance, the most similar question texts) and the exact\n" +
			"probability that a test-wise guesser passes the final exam."
	}
	return ""
}

func cmdContent(_ context.Context, args []string, e env) error {
	if len(args) == 0 || contentHelp(args[0]) == "" {
		return fail(2, "usage: kipass content check|export|stats [DIR]")
	}
	sub := args[0]
	fs := newFlags("content "+sub, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: kipass content %s [DIR]\n\n%s\n", sub, contentHelp(sub))
	}
	if err := parseFlags(fs, args[1:], e); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fail(2, "usage: kipass content %s [DIR]", sub)
	}
	fsys, name, err := contentFS(fs.Arg(0))
	if err != nil {
		return err
	}
	if sub == "check" {
		return contentCheck(fsys, name, e)
	}
	cat, err := courses.Load(fsys)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return errSilent
	}
	if sub == "stats" {
		for _, c := range cat.Courses {
			writeStats(e.stdout, c, courses.Stats(c))
		}
		return nil
	}
	b, err := courses.Export(cat)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}

// contentCheck runs the format checks and, when the content loads, the lints.
func contentCheck(fsys fs.FS, name string, e env) error {
	problems := courses.Check(fsys)
	var cat *courses.Catalog
	if len(problems) == 0 {
		var err error
		if cat, err = courses.Load(fsys); err != nil {
			return err // Check found nothing, so this cannot happen
		}
		problems = courses.Lint(cat)
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if cat != nil {
		for _, c := range cat.Courses {
			for _, rule := range slices.Sorted(maps.Keys(c.Allow)) {
				fmt.Fprintf(e.stderr, "%s: lint rule %s is off (course.yaml: %s)\n", c.ID, rule, c.Allow[rule])
			}
			st := courses.Stats(c)
			if st.GuessErr == nil {
				fmt.Fprintf(e.stderr, "%s: a test-wise guesser passes the final exam with %s (exact; kipass content stats shows all figures)\n",
					c.ID, guessLine(c, st))
			}
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "%s: %d problem(s)\n", name, len(problems))
		return errSilent
	}
	fmt.Fprintf(e.stderr, "%s: ok\n", name)
	return nil
}

// guessLine shows the guesser's pass probability per language.
func guessLine(c *courses.Course, st courses.CourseStats) string {
	var parts []string
	for _, lang := range c.Languages {
		parts = append(parts, fmt.Sprintf("%s %s", lang, probability(st.Guess[lang])))
	}
	return strings.Join(parts, ", ")
}

func probability(p float64) string {
	if p > 0 && p < 1e-6 {
		return fmt.Sprintf("%.2e %%", 100*p)
	}
	return fmt.Sprintf("%.4f %%", 100*p)
}

// writeStats prints the figures of course c.
func writeStats(w io.Writer, c *courses.Course, st courses.CourseStats) {
	source := "the module pools (no exam.yaml)"
	if c.HasExamPools() {
		source = "the exam pools (exam.yaml)"
	}
	fmt.Fprintf(w, "course %s (%s)\n", c.ID, c.Version)
	fmt.Fprintf(w, "  exam: %d questions from %s, at least %d per module, pass at %d %%\n",
		c.Exam.Questions, source, c.Exam.MinPerModule, c.Exam.PassPercent)
	for _, f := range st.Modules {
		fmt.Fprintf(w, "\nmodule %s: %d in questions.yaml, %d in exam.yaml\n", f.ID, f.QuizPool, f.ExamPool)
		writeFigures(w, c, f)
		uncovered := "none"
		if len(f.Uncovered) > 0 {
			uncovered = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(f.Uncovered)), ", "), "[]")
		}
		fmt.Fprintf(w, "  objectives without a question: %s\n", uncovered)
	}
	fmt.Fprintf(w, "\ncourse %s, all pools: %d in questions.yaml, %d in exam.yaml\n", c.ID, st.Course.QuizPool, st.Course.ExamPool)
	writeFigures(w, c, st.Course)
	fmt.Fprintf(w, "\ntest-wise guesser (single choice: the longest option, ties at random; multiple choice:\n"+
		"all but the shortest; true/false: \"false\"), probability to pass the final exam,\n"+
		"computed exactly over the exam draw (not simulated); the lint limit is under %s:\n", probability(courses.GuessLimit))
	if st.GuessErr != nil {
		fmt.Fprintf(w, "  not computable: %v\n", st.GuessErr)
	} else {
		fmt.Fprintf(w, "  %s\n", guessLine(c, st))
	}
	if len(c.Allow) > 0 {
		fmt.Fprintln(w, "\nlint rules off (course.yaml lint.allow):")
		for _, rule := range slices.Sorted(maps.Keys(c.Allow)) {
			fmt.Fprintf(w, "  %s: %s\n", rule, c.Allow[rule])
		}
	}
}

// writeFigures prints one module's or the course's figures.
func writeFigures(w io.Writer, c *courses.Course, f courses.Figures) {
	fmt.Fprintf(w, "  single choice: %d; correct option: %s\n", f.Single, distribution(f.Positions, f.Single, false))
	var cues []string
	for _, lang := range c.Languages {
		n := len(f.LengthCues[lang])
		cue := fmt.Sprintf("%s %d of %d (%s)", lang, n, f.Single, share(n, f.Single))
		if n > 0 {
			cue += " " + strings.Join(f.LengthCues[lang], " ")
		}
		cues = append(cues, cue)
	}
	fmt.Fprintf(w, "  length cue (correct option longest by more than 15 %%): %s\n", strings.Join(cues, "; "))
	fmt.Fprintf(w, "  multiple choice: %d; correct sets: %s\n", f.Multiple, distribution(f.Sets, f.Multiple, true))
	fmt.Fprintf(w, "  true/false: %d; true %d (%s), false %d (%s)\n",
		f.TrueFalse, f.True, share(f.True, f.TrueFalse), f.False, share(f.False, f.TrueFalse))
	if s := f.MostSimilar; s.A != "" {
		fmt.Fprintf(w, "  most similar texts: %s and %s (%s), %.0f %% of their words shared\n", s.A, s.B, s.Lang, 100*s.Score)
	}
	if len(f.NoObjective) > 0 {
		fmt.Fprintf(w, "  questions without objective: %d\n", len(f.NoObjective))
	}
}

// distribution shows counts by key, largest first: "a 5 (28 %), b 4 (22 %)";
// sets are shown in braces: "{a,c} 2 (20 %)".
func distribution(counts map[string]int, total int, sets bool) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(counts))
	slices.SortStableFunc(keys, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		label := k
		if sets {
			label = "{" + k + "}"
		}
		parts[i] = fmt.Sprintf("%s %d (%s)", label, counts[k], share(counts[k], total))
	}
	return strings.Join(parts, ", ")
}

func share(n, of int) string {
	if of == 0 {
		return "0 %"
	}
	return fmt.Sprintf("%.0f %%", 100*float64(n)/float64(of))
}

// contentFS returns the folder dir, or the embedded content when dir is "".
func contentFS(dir string) (fs.FS, string, error) {
	if dir == "" {
		return content.FS(), "embedded content", nil
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, "", fail(1, "content folder %s: not a readable directory", dir)
	}
	return os.DirFS(dir), dir, nil
}
