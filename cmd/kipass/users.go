package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	kapp "kipass/internal/app"
	"kipass/internal/people"
)

// inviteValidity is how long an invitation link works.
const inviteValidity = 14 * 24 * time.Hour

func cmdUsers(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "import" {
		return fail(2, "usage: kipass users import FILE.csv --data DIR|--database URL [--base-url URL] [--invites FILE]")
	}
	fs := newFlags("users import", e)
	data := fs.String("data", "./data", "data `directory` of the kipass installation")
	database := databaseFlag(fs)
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "public `URL` of the server, for the invitation links")
	invites := fs.String("invites", "", "write the invitation links of new accounts as CSV to this `file` (default: standard output)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: kipass users import FILE.csv --data DIR|--database URL [--base-url URL] [--invites FILE]")
		fmt.Fprintln(e.stderr, "\nCreates or updates accounts from a CSV with the columns email,name,department,role (\",\" or \";\", UTF-8).")
		fmt.Fprintln(e.stderr, "Every row is checked first; when any row is bad, every bad row is printed and nothing is imported.")
		fmt.Fprintln(e.stderr, "New accounts get a one-time invitation link (valid 14 days) to set their password.")
		fs.PrintDefaults()
	}
	positional, err := parseInterleaved(fs, args[1:], e)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fail(2, "give exactly one CSV file")
	}
	if err := checkDatabaseURL(*database); err != nil {
		return err
	}
	base, err := parseBaseURL(*baseURL)
	if err != nil {
		return fail(2, "--base-url: %v", err)
	}
	f, err := os.Open(positional[0])
	if err != nil {
		return fail(1, "cannot open %s: %v", positional[0], err)
	}
	rows, problems := people.Parse(f)
	f.Close()
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "%s:%s\n", positional[0], strings.TrimPrefix(p.String(), "line "))
		}
		return fail(1, "%d bad row(s); nothing was imported", len(problems))
	}
	if *database == "" {
		if err := ensureDataDir(*data); err != nil {
			return fail(1, "data directory %s is not usable: %v", *data, err)
		}
	}
	db, err := openDatabase(ctx, *data, *database)
	if err != nil {
		return fail(1, "cannot open the database: %v", err)
	}
	defer db.Close()
	in := make([]kapp.ImportRow, len(rows))
	for i, r := range rows {
		in[i] = kapp.ImportRow{Email: r.Email, Name: r.Name, Department: r.Department, Role: r.Role}
	}
	uc := kapp.New(kapp.Deps{Config: kapp.Config{InviteTTL: inviteValidity}, Accounts: db, Audit: db})
	bar := progressBar{w: e.stderr, total: len(rows)}
	done, err := uc.Import(ctx, kapp.Actor{}, in, bar.set)
	bar.done()
	if err != nil {
		return fail(1, "import failed, nothing was imported: %v", err)
	}
	out := e.stdout
	if *invites != "" {
		fi, err := os.OpenFile(*invites, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fail(1, "--invites: %v", err)
		}
		defer fi.Close()
		out = fi
	}
	for i, inv := range done.Invites {
		if i == 0 {
			fmt.Fprintln(out, "email,invitation_link")
		}
		fmt.Fprintf(out, "%s,%s/invite?token=%s\n", inv.Email, base, inv.Token)
	}
	n := len(done.Invites)
	fmt.Fprintf(e.stderr, "imported %d account(s): %d new (invitation links valid 14 days), %d updated\n", len(rows), n, len(rows)-n)
	return nil
}

// progressBar draws "[=====>    ] 60% 1200/2000" on a terminal line.
type progressBar struct {
	w     io.Writer
	total int
	last  int
}

func (p *progressBar) set(done int) {
	pct := done * 100 / max(1, p.total)
	if pct == p.last && done != p.total {
		return
	}
	p.last = pct
	width := 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, done, p.total)
}

func (p *progressBar) done() { fmt.Fprintln(p.w) }
