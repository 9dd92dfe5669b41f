package web

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// prerendered is the output of an html/template with holes: the literal
// parts are rendered once, the holes are filled in per request. It is how
// the page shell and the quiz form stay on html/template's contextual
// escaping without executing the template on every request.
//
// prerender proves at build time that filling a hole with htmlEscape
// writes exactly what html/template writes for the same value there: it
// executes the template again with probe values full of special
// characters and compares. A hole where html/template would escape
// differently (in a script, a style, an unquoted attribute) is an error at
// start-up. A hole inside a URL attribute accepts only values that
// html/template's URL normaliser leaves unchanged (urlSafe); fill reports
// any other value, and the caller executes the template instead.
type prerendered struct {
	parts [][]byte // literal parts; hole i goes between parts[i] and parts[i+1]
	holes []int    // the value that fills each hole
	url   []bool   // whether the hole is in a URL attribute
}

// holeMark is the marker of value i while the parts are rendered: plain
// letters, which every escaping context of html/template leaves as they
// are.
func holeMark(i int) string { return fmt.Sprintf("KIPASSHOLE%cX", 'A'+i) }

// probeText has every character html/template's HTML escaper changes.
const probeText = "<a href=\"x\">'&+\x00</a>"

// probeURL is a URL that html/template's URL normaliser leaves as it is.
const probeURL = "/p/x-y_z.~?a=1&b=%2F+c;d=$@!*,:[]#f"

// prerender renders exec (which executes the template with values[i] in
// place of hole i) into parts and holes, and checks every hole.
func prerender(exec func(w io.Writer, values []string) error, n int) (prerendered, error) {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = holeMark(i)
	}
	var out bytes.Buffer
	if err := exec(&out, marks); err != nil {
		return prerendered{}, err
	}
	var p prerendered
	rest := out.Bytes()
	for {
		at, hole := -1, -1
		for i, m := range marks {
			if j := bytes.Index(rest, []byte(m)); j >= 0 && (at < 0 || j < at) {
				at, hole = j, i
			}
		}
		if at < 0 {
			p.parts = append(p.parts, rest)
			break
		}
		p.parts = append(p.parts, rest[:at])
		p.holes = append(p.holes, hole)
		rest = rest[at+len(marks[hole]):]
	}
	p.url = make([]bool, len(p.holes))
	// Which holes are URLs: there the text probe comes out URL-escaped.
	texts := make([]string, n)
	for i := range texts {
		texts[i] = probeText + marks[i]
	}
	got, err := p.probe(exec, texts)
	if err != nil {
		return p, err
	}
	for k, seg := range got {
		v := texts[p.holes[k]]
		if seg != htmlEscape(v) {
			p.url[k] = true
		}
	}
	// Every hole must now escape like fill: text holes the text probe,
	// URL holes the URL probe.
	for _, round := range []struct {
		probe string
		url   bool
	}{{probeText, false}, {probeURL, true}} {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = round.probe + marks[i]
		}
		got, err := p.probe(exec, vals)
		if err != nil {
			return p, err
		}
		for k, seg := range got {
			if p.url[k] == round.url && seg != htmlEscape(vals[p.holes[k]]) {
				return p, fmt.Errorf("web: a placeholder (value %d) sits where html/template escapes %q as %q, not as the pre-rendered page would", p.holes[k], vals[p.holes[k]], seg)
			}
		}
	}
	return p, nil
}

// probe executes the template with vals and returns what each hole became;
// the literal parts must come out unchanged.
func (p prerendered) probe(exec func(w io.Writer, values []string) error, vals []string) ([]string, error) {
	var out bytes.Buffer
	if err := exec(&out, vals); err != nil {
		return nil, err
	}
	rest := out.Bytes()
	if !bytes.HasPrefix(rest, p.parts[0]) {
		return nil, fmt.Errorf("web: the pre-rendered template changes with the placeholder values")
	}
	rest = rest[len(p.parts[0]):]
	segs := make([]string, len(p.holes))
	for k := range p.holes {
		// The hole's text ends with its marker, which escaping leaves alone.
		m := []byte(holeMark(p.holes[k]))
		j := bytes.Index(rest, m)
		if j < 0 {
			return nil, fmt.Errorf("web: placeholder %d lost in the pre-rendered template", p.holes[k])
		}
		segs[k] = string(rest[:j+len(m)])
		rest = rest[j+len(m):]
		if !bytes.HasPrefix(rest, p.parts[k+1]) {
			return nil, fmt.Errorf("web: the pre-rendered template changes with the placeholder values")
		}
		rest = rest[len(p.parts[k+1]):]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("web: the pre-rendered template changes with the placeholder values")
	}
	return segs, nil
}

// fill writes the parts with the holes filled in. It writes nothing and
// returns false when a value for a URL hole is not urlSafe.
func (p prerendered) fill(w io.Writer, values []string) bool {
	for k, h := range p.holes {
		if p.url[k] && !urlSafe(values[h]) {
			return false
		}
	}
	for k, part := range p.parts {
		w.Write(part)
		if k < len(p.holes) {
			io.WriteString(w, htmlEscape(values[p.holes[k]]))
		}
	}
	return true
}

// htmlEscaper is html/template's escaping of text and quoted attribute
// values (prerender checks that it matches).
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// urlSafe reports whether html/template's URL normaliser leaves s as it
// is: letters, digits and the characters of URLs that need no escaping.
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!#$&*+,/:;=?@[]%", c) >= 0:
		default:
			return false
		}
	}
	return true
}
