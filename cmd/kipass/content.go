package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"kipass/content"
	"kipass/courses"
)

func cmdContent(_ context.Context, args []string, e env) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "export") {
		return fail(2, "usage: kipass content check|export [DIR]")
	}
	sub := args[0]
	fs := newFlags("content "+sub, e)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: kipass content %s [DIR]\n\n", sub)
		if sub == "check" {
			fmt.Fprintln(e.stderr, "Validates a content folder (the embedded course when DIR is absent) and prints every problem as file:line: message.")
		} else {
			fmt.Fprintln(e.stderr, "Prints the whole course catalogue as JSON, answer keys included (for translators and auditors).")
		}
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
		problems := courses.Check(fsys)
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		if len(problems) > 0 {
			fmt.Fprintf(e.stderr, "%s: %d problem(s)\n", name, len(problems))
			return errSilent
		}
		fmt.Fprintf(e.stderr, "%s: ok\n", name)
		return nil
	}
	cat, err := courses.Load(fsys)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return errSilent
	}
	b, err := courses.Export(cat)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
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
