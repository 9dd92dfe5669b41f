package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// exitError carries a process exit code. Code 1 means "the command ran and
// the answer is no" (invalid, exists, problems found); 2 means usage or I/O.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// fail returns an error that exits with code and prints msg.
func fail(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// errSilent exits 1 after the command printed its own report.
var errSilent = &exitError{code: 1, err: errors.New("")}

func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

// env carries the process environment to the subcommands.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `kipass: training and certificates for "AI in the workplace"

Usage:
  kipass serve [flags]             run the web app
  kipass admin create [flags]      create an account from the shell
  kipass content check [DIR]       validate a content folder and lint its questions (default: the embedded course)
  kipass content export [DIR]      print the course catalogue as JSON, answer keys included
  kipass content stats [DIR]       the figures behind the lints and the chance that guessing passes the exam
  kipass verify FILE.pdf|TOKEN     verify a certificate (--issuer URL | --jwks FILE|URL, --offline, --json)
  kipass keys rotate               make a new signing key; old certificates keep verifying
  kipass users import FILE.csv     create or update accounts (email,name,department,role)
  kipass backup FILE               consistent copy of the database while the server runs
  kipass migrate --from-sqlite DIR --to postgres://...   move an installation to PostgreSQL

Every command has --help. Flags can also be set as KIPASS_<FLAG> environment
variables, e.g. KIPASS_ADDR=0.0.0.0:8080 or KIPASS_BASE_URL=https://kipass.example.com.
`

// run is the whole program: main only adds the process around it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, args[1:], e)
	if err != nil && !errors.Is(err, flag.ErrHelp) && err.Error() != "" {
		fmt.Fprintln(stderr, "kipass:", err)
	}
	return err
}

func dispatch(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return fail(2, "no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return cmdServe(ctx, rest, e)
	case "admin":
		if len(rest) == 0 || rest[0] != "create" {
			return fail(2, "usage: kipass admin create --email E --name N --role admin|hr|employee [--department D] [--hr-departments D1,D2] --password-stdin --data DIR")
		}
		return cmdAdminCreate(ctx, rest[1:], e)
	case "content":
		return cmdContent(ctx, rest, e)
	case "verify":
		return cmdVerify(ctx, rest, e)
	case "keys":
		return cmdKeys(ctx, rest, e)
	case "users":
		return cmdUsers(ctx, rest, e)
	case "backup":
		return cmdBackup(ctx, rest, e)
	case "migrate":
		return cmdMigrate(ctx, rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	default:
		fmt.Fprint(e.stderr, usage)
		return fail(2, "unknown command %q", cmd)
	}
}

// newFlags returns a flag set whose usage goes to stderr.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("kipass "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args and fills every flag not given on the command line
// from KIPASS_<FLAG> (upper case, dashes as underscores).
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fail(2, "%v", err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := "KIPASS_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(name); v != "" {
			if serr := f.Value.Set(v); serr != nil {
				err = fail(2, "%s=%q: %v", name, v, serr)
			}
		}
	})
	return err
}

// parseInterleaved parses flags that may stand before or after positional
// arguments (kipass verify FILE --json) and returns the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string, e env) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args, e); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}
