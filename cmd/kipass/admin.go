package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/store"
)

// cmdAdminCreate creates an account from the shell. An HR account's scope
// (the departments it sees) comes from --hr-departments, or else from
// --department; an HR account without a scope sees every department, which
// the command says when it prints the scope.
func cmdAdminCreate(ctx context.Context, args []string, e env) error {
	var email, name, role, dept, hrDepts, data, database string
	var pwStdin bool
	fs := newFlags("admin create", e)
	fs.StringVar(&email, "email", "", "email address of the account (required)")
	fs.StringVar(&name, "name", "", "display name, as on certificates (required)")
	fs.StringVar(&role, "role", "", "role: admin, hr or employee (required)")
	fs.StringVar(&dept, "department", "", "department (optional); for --role hr also the departments the account sees, unless --hr-departments is given")
	fs.StringVar(&hrDepts, "hr-departments", "", "for --role hr: comma-separated `departments` the account sees (\"*\": every department); default: --department, else every department")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	fs.StringVar(&data, "data", "./data", "data `directory` of the kipass installation")
	fs.StringVar(&database, "database", "", databaseUsage)
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if err := checkDatabaseURL(database); err != nil {
		return err
	}
	if !kapp.ValidRole(role) {
		return fail(2, "--role must be admin, hr or employee")
	}
	hrSet := hrDepts != "" // also when it came from KIPASS_HR_DEPARTMENTS
	fs.Visit(func(f *flag.Flag) { hrSet = hrSet || f.Name == "hr-departments" })
	if hrSet && role != store.RoleHR {
		return fail(2, "--hr-departments is only for --role hr")
	}
	if !pwStdin {
		return fail(2, "--password-stdin is required: pipe the password in, e.g. `printf '%%s' \"$PW\" | kipass admin create ...`")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return fail(1, "no password on standard input")
	}
	r := auth.Registration{Name: name, Email: email, Password: strings.TrimRight(line, "\r\n"), Department: dept}
	if err := r.Clean(); err != nil {
		if ee := errs.As(err); ee != nil {
			var parts []string
			for f, why := range ee.Fields {
				parts = append(parts, f+": "+why)
			}
			return fail(1, "invalid account: %s", strings.Join(parts, ", "))
		}
		return err
	}
	var scope []string
	if role == store.RoleHR {
		var err error
		if scope, err = hrScope(hrSet, hrDepts, r.Department); err != nil {
			return err
		}
	}
	if database == "" {
		if err := ensureDataDir(data); err != nil {
			return fail(1, "data directory %s is not usable: %v", data, err)
		}
	}
	db, err := openDatabase(ctx, data, database)
	if err != nil {
		return fail(1, "cannot open the database: %v", err)
	}
	defer db.Close()
	uc := kapp.New(kapp.Deps{Accounts: db, Hasher: auth.NewHasher(auth.DefaultParams, 1)})
	id, err := uc.CreateAccount(ctx, r, role, scope...)
	if err != nil {
		if ee := errs.As(err); ee != nil && ee.Kind == errs.Conflict {
			return fail(1, "an account with this email address exists already")
		}
		return err
	}
	fmt.Fprintf(e.stdout, "created %s account %d\n", role, id)
	if role == store.RoleHR {
		if len(scope) == 0 {
			fmt.Fprintln(e.stdout, "HR scope: every department (no scope set; limit it with --hr-departments or --department)")
		} else {
			fmt.Fprintf(e.stdout, "HR scope: %s\n", strings.Join(scope, ", "))
		}
	}
	return nil
}

// hrScope returns the departments an HR account sees: the comma-separated
// list when --hr-departments was given ("*" for every department), else the
// account's own department; none means every department. Each entry is
// cleaned and checked like a department name.
func hrScope(set bool, list, dept string) ([]string, error) {
	if !set {
		if dept == "" {
			return nil, nil
		}
		return []string{dept}, nil
	}
	if strings.TrimSpace(list) == "*" {
		return nil, nil
	}
	var scope []string
	for _, d := range strings.Split(list, ",") {
		d = auth.CleanName(d)
		if d == "" {
			continue
		}
		if why := auth.CheckName(d, false, 100); why != "" {
			return nil, fail(1, "invalid --hr-departments: %q: %s", d, why)
		}
		if !slices.Contains(scope, d) {
			scope = append(scope, d)
		}
	}
	if len(scope) == 0 {
		return nil, fail(2, "--hr-departments names no department; give \"*\" for every department")
	}
	return scope, nil
}
