package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/store"
)

func cmdAdminCreate(ctx context.Context, args []string, e env) error {
	var email, name, role, dept, data string
	var pwStdin bool
	fs := newFlags("admin create", e)
	fs.StringVar(&email, "email", "", "email address of the account (required)")
	fs.StringVar(&name, "name", "", "display name, as on certificates (required)")
	fs.StringVar(&role, "role", "", "role: admin, hr or employee (required)")
	fs.StringVar(&dept, "department", "", "department (optional)")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
	fs.StringVar(&data, "data", "./data", "data `directory` of the kipass installation")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if !kapp.ValidRole(role) {
		return fail(2, "--role must be admin, hr or employee")
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
	if err := ensureDataDir(data); err != nil {
		return fail(1, "data directory %s is not usable: %v", data, err)
	}
	db, err := store.Open(ctx, data)
	if err != nil {
		return fail(1, "cannot open the database: %v", err)
	}
	defer db.Close()
	uc := kapp.New(kapp.Deps{Accounts: db, Hasher: auth.NewHasher(auth.DefaultParams, 1)})
	id, err := uc.CreateAccount(ctx, r, role)
	if err != nil {
		if ee := errs.As(err); ee != nil && ee.Kind == errs.Conflict {
			return fail(1, "an account with this email address exists already")
		}
		return err
	}
	fmt.Fprintf(e.stdout, "created %s account %d\n", role, id)
	return nil
}
