package people

import (
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	in := "\uFEFFemail;name;department;role\r\n Erika@Example.com ;Erika  Mustermann;Vertrieb;employee\r\n\r\nmax@example.com;\"Max; der Große\";;HR\r\n"
	rows, problems := Parse(strings.NewReader(in))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(rows) != 2 || rows[0].Email != "erika@example.com" || rows[0].Name != "Erika Mustermann" || rows[0].Line != 2 ||
		rows[1].Name != "Max; der Große" || rows[1].Role != "hr" || rows[1].Line != 4 {
		t.Fatalf("%+v", rows)
	}
	rows, problems = Parse(strings.NewReader("role,name,email,department\n,Ada,ada@example.com,IT\n"))
	if len(problems) > 0 || rows[0].Role != "employee" || rows[0].Department != "IT" {
		t.Fatalf("column order / default role: %+v %v", rows, problems)
	}
}

func TestParseReportsEveryBadRow(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"bad rows", "email,name,department,role\nok@example.com,Ok,,employee\nnot-an-email,A,,employee\nb@example.com,,,employee\nc@example.com,C,,boss\nok@example.com,Again,,hr\n",
			[]string{"line 3: email \"not-an-email\"", "line 4: name required", "line 5: role \"boss\"", "line 6: email ok@example.com appears already on line 2"}},
		{"wrong columns", "mail,name,department,role\n", []string{"line 1: the header lacks the column \"email\""}},
		{"empty", "", []string{"line 1: no header"}},
		{"column count", "email,name,department,role\na@example.com,A\n", []string{"line 2: 2 columns, the header has 4"}},
		{"broken quotes", "email,name,department,role\na@example.com,\"A,,employee\n", []string{"broken CSV"}},
		{"hidden characters", "email,name,department,role\na@example.com,Ada\u202eecalevoL,,employee\nb@example.com,Bob,IT\u200b,employee\nc@example.com,\ufeffCy,,employee\n",
			[]string{"line 2: name contains invisible formatting or text-direction characters (invalid_name)",
				"line 3: department contains invisible formatting or text-direction characters (invalid_name)", "line 4: name contains invisible"}},
		{"latin-1", "email,name,department,role\na@example.com,J\xfcrgen,,employee\n", []string{"line 2: the file is not UTF-8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems := Parse(strings.NewReader(tc.in))
			if rows != nil {
				t.Fatalf("rows returned despite problems: %+v", rows)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			all := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in\n%s", w, all)
				}
			}
		})
	}
}

func TestParseGarbage(t *testing.T) {
	_, problems := Parse(strings.NewReader(strings.Repeat("\x00garbage,\"", 1<<20)))
	if len(problems) == 0 {
		t.Fatal("10 MB of garbage accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("email,name,department,role\na@example.com,A,,employee\n")
	f.Add("email;name;department;role\n\"x;y\";\"\";;hr\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, problems := Parse(strings.NewReader(s))
		if rows != nil && problems != nil {
			t.Fatal("both rows and problems")
		}
		for _, r := range rows {
			if r.Email == "" || r.Name == "" {
				t.Fatalf("invalid row passed: %+v", r)
			}
		}
	})
}
