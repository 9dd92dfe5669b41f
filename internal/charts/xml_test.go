package charts

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// numericAttrs are the attributes whose values must be finite numbers
// (space- or comma-separated lists for viewBox and points).
var numericAttrs = map[string]bool{
	"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true,
	"cx": true, "cy": true, "r": true, "rx": true, "width": true, "height": true,
	"dy": true, "viewBox": true, "points": true, "font-size": true,
	"stroke-width": true, "fill-opacity": true, "stroke-opacity": true,
}

// nonNegative are the numeric attributes for which SVG rejects negative values.
var nonNegative = map[string]bool{"r": true, "rx": true, "width": true, "height": true, "viewBox": true}

// checkMarkup parses s strictly as XML and verifies that it has exactly
// one root element, that every numeric attribute holds finite numbers,
// and that every id named in aria-labelledby exists. It returns the
// decoded text of all <title> elements.
func checkMarkup(s string) (titles []string, err error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var (
		depth, roots int
		ids          = map[string]bool{}
		refs         []string
		inTitle      bool
		cur          strings.Builder
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			for _, a := range t.Attr {
				switch {
				case a.Name.Local == "id":
					ids[a.Value] = true
				case a.Name.Local == "aria-labelledby":
					refs = append(refs, strings.Fields(a.Value)...)
				case numericAttrs[a.Name.Local]:
					if err := checkNumbers(t.Name.Local, a); err != nil {
						return nil, err
					}
				}
			}
			if t.Name.Local == "title" {
				inTitle = true
				cur.Reset()
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "title" {
				inTitle = false
				titles = append(titles, cur.String())
			}
		case xml.CharData:
			if depth == 0 && strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("text outside the root element: %q", t)
			}
			if inTitle {
				cur.Write(t)
			}
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%d root elements, want 1", roots)
	}
	for _, r := range refs {
		if !ids[r] {
			return nil, fmt.Errorf("aria-labelledby names missing id %q", r)
		}
	}
	return titles, nil
}

func checkNumbers(elem string, a xml.Attr) error {
	v := a.Value
	switch {
	case elem == "svg" && a.Name.Local == "width" && v == "100%":
		return nil
	case a.Name.Local == "dy":
		v = strings.TrimSuffix(v, "em")
	}
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	if len(fields) == 0 {
		return fmt.Errorf("<%s %s> is empty", elem, a.Name.Local)
	}
	for _, f := range fields {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("<%s %s=%q>: not a finite number", elem, a.Name.Local, a.Value)
		}
		if n < 0 && nonNegative[a.Name.Local] {
			return fmt.Errorf("<%s %s=%q>: negative size", elem, a.Name.Local, a.Value)
		}
	}
	return nil
}

// mustCheck fails the test when s is not acceptable markup.
func mustCheck(t testing.TB, what, s string) []string {
	t.Helper()
	titles, err := checkMarkup(s)
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, s)
	}
	return titles
}
