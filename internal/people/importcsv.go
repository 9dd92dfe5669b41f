// Package people parses account lists for import.
package people

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"kipass/internal/auth"
)

// Limits of an import file.
const (
	MaxImportBytes = 20 << 20
	MaxImportRows  = 200_000
)

// Row is one account to create or update.
type Row struct {
	Line       int
	Email      string
	Name       string
	Department string
	Role       string
}

// Problem is a bad row: its line number and what is wrong, in English
// (Message, for the command line) and as message codes with their
// arguments (Parts, for pages that translate them).
type Problem struct {
	Line    int
	Message string
	Parts   []Part
}

// Part is one thing wrong with a row: a message code (a key under
// "import." in the web message files) and the values it names.
type Part struct {
	Code string
	Args []any
}

// problem builds a Problem of one part.
func problem(line int, message, code string, args ...any) Problem {
	return Problem{Line: line, Message: message, Parts: []Part{{Code: code, Args: args}}}
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Parse reads a CSV with the columns email,name,department,role (in any
// order, header required, "," or ";" separated, UTF-8 with or without BOM)
// and validates every row. It returns all rows, or every problem found; a
// caller imports nothing when there is any problem.
func Parse(r io.Reader) ([]Row, []Problem) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, []Problem{problem(0, "cannot read the file: "+err.Error(), "unreadable")}
	}
	if len(data) > MaxImportBytes {
		return nil, []Problem{problem(0, fmt.Sprintf("the file is larger than %d MiB", MaxImportBytes>>20), "too_large", MaxImportBytes>>20)}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, []Problem{problem(firstInvalidLine(data), "the file is not UTF-8 (save it as \"CSV UTF-8\")", "not_utf8")}
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, []Problem{problem(1, "no header line: expected email,name,department,role", "no_header")}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, want := range []string{"email", "name", "department", "role"} {
		if _, ok := col[want]; !ok {
			return nil, []Problem{problem(1, fmt.Sprintf("the header lacks the column %q (expected email,name,department,role)", want), "missing_column", want)}
		}
	}
	var rows []Row
	var problems []Problem
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, problem(pe.StartLine, "broken CSV: "+pe.Err.Error(), "broken_csv"))
			if len(problems) > 1000 {
				break
			}
			continue
		}
		// Only after a successful Read: FieldPos panics when the last Read failed.
		line, _ := cr.FieldPos(0)
		if len(rows)+len(problems) >= MaxImportRows {
			problems = append(problems, problem(line, fmt.Sprintf("more than %d rows", MaxImportRows), "too_many_rows", MaxImportRows))
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return rec[i]
			}
			return ""
		}
		row := Row{Line: line, Email: auth.NormalizeEmail(get("email")), Name: auth.CleanName(get("name")),
			Department: auth.CleanName(get("department")), Role: strings.ToLower(strings.TrimSpace(get("role")))}
		if row.Role == "" {
			row.Role = "employee"
		}
		var why []string
		var parts []Part
		add := func(msg, code string, args ...any) {
			why = append(why, msg)
			parts = append(parts, Part{Code: code, Args: args})
		}
		if len(rec) != len(header) {
			add(fmt.Sprintf("%d columns, the header has %d", len(rec), len(header)), "columns", len(rec), len(header))
		}
		if w := auth.CheckEmail(row.Email); w != "" {
			add(fmt.Sprintf("email %q is not valid", row.Email), "email_invalid", row.Email)
		}
		if w := auth.CheckName(row.Name, true, 100); w != "" {
			add("name "+nameProblem(w), "name_"+w)
		}
		if w := auth.CheckName(row.Department, false, 100); w != "" {
			add("department "+nameProblem(w), "department_"+w)
		}
		if row.Role != "employee" && row.Role != "hr" && row.Role != "admin" {
			add(fmt.Sprintf("role %q is not employee, hr or admin", row.Role), "role_invalid", row.Role)
		}
		if prev, dup := seen[row.Email]; dup && row.Email != "" {
			add(fmt.Sprintf("email %s appears already on line %d", row.Email, prev), "email_duplicate", row.Email, prev)
		}
		if row.Email != "" {
			if _, dup := seen[row.Email]; !dup {
				seen[row.Email] = line
			}
		}
		if len(why) > 0 {
			problems = append(problems, Problem{Line: line, Message: strings.Join(why, "; "), Parts: parts})
			continue
		}
		rows = append(rows, row)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return rows, nil
}

// nameProblem words a CheckName code for the problem list.
func nameProblem(code string) string {
	if code == auth.InvalidName {
		return "contains invisible formatting or text-direction characters (invalid_name)"
	}
	return strings.ReplaceAll(code, "_", " ")
}

func firstInvalidLine(data []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxImportBytes)
	for n := 1; sc.Scan(); n++ {
		if !utf8.Valid(sc.Bytes()) {
			return n
		}
	}
	return 0
}
