package courses

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"kipass/quiz"
)

// The YAML files are read as yaml.Node trees rather than decoded into structs:
// the nodes carry line numbers, so every problem (unknown key, missing field,
// wrong type, bad value) is reported at its line, and all of them at once.

var yamlErrLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlDoc parses src as YAML and returns the root node, or nil after reporting
// a syntax error. Node lines count from offset+1, so front matter reports lines
// of its .md file. Aliases are refused: content needs none, and following them
// would let a small file expand into a huge tree.
func (l *loader) yamlDoc(file string, src []byte, offset int) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := 0, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			line, msg = line+offset, m[2]
			if strings.HasPrefix(msg, "did not find expected") {
				line++ // yaml.v3 reports parser (not scanner) errors with 0-based lines
			}
		}
		l.add(file, line, "invalid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		l.add(file, offset+1, "empty YAML document")
		return nil
	}
	ok := true
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		n.Line += offset
		if n.Kind == yaml.AliasNode {
			l.add(file, n.Line, "YAML aliases (*%s) are not supported: write the value out", n.Value)
			ok = false
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc.Content[0])
	if !ok {
		return nil
	}
	return doc.Content[0]
}

// obj is a YAML mapping being read field by field; it reports problems at
// the line of the offending node, prefixed with where (e.g. `question "dg-01"`).
type obj struct {
	l     *loader
	file  string
	where string
	node  *yaml.Node
	keys  map[string]*yaml.Node
	vals  map[string]*yaml.Node
}

// obj returns n as a mapping with the given known keys, reporting unknown and
// repeated keys; it returns nil after reporting when n is not a mapping.
func (l *loader) obj(file, where string, n *yaml.Node, known ...string) *obj {
	o := &obj{l: l, file: file, where: where, node: n, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		o.errorf(n.Line, "expected a mapping (key: value), found %s", describe(n))
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || !slices.Contains(known, k.Value):
			o.errorf(k.Line, "unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
		case o.vals[k.Value] != nil:
			o.errorf(k.Line, "key %q repeated (first on line %d)", k.Value, o.keys[k.Value].Line)
		default:
			o.keys[k.Value], o.vals[k.Value] = k, v
		}
	}
	return o
}

func (o *obj) errorf(line int, format string, args ...any) {
	if o.where != "" {
		format = o.where + ": " + format
	}
	o.l.add(o.file, line, format, args...)
}

// line returns the line of key, or of the mapping when key is absent.
func (o *obj) line(key string) int {
	if k := o.keys[key]; k != nil {
		return k.Line
	}
	return o.node.Line
}

// get returns the value of key, reporting its absence when required.
// An empty value (key:) counts as absent.
func (o *obj) get(key string, required bool) *yaml.Node {
	v := o.vals[key]
	if v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		v = nil
	}
	if v == nil && required {
		o.errorf(o.line(key), "missing %s", key)
	}
	return v
}

// scalar returns the value of key if it is a single value.
func (o *obj) scalar(key string, required bool) *yaml.Node {
	v := o.get(key, required)
	if v != nil && v.Kind != yaml.ScalarNode {
		o.errorf(v.Line, "%s: expected a single value, found %s", key, describe(v))
		return nil
	}
	return v
}

// str returns the string value of key; a required one must not be blank.
func (o *obj) str(key string, required bool) string {
	v := o.scalar(key, required)
	if v == nil {
		return ""
	}
	if required && strings.TrimSpace(v.Value) == "" {
		o.errorf(v.Line, "%s is empty", key)
	}
	return v.Value
}

// id returns the string value of key, which must be a well-formed id.
func (o *obj) id(key string) string {
	s := o.str(key, true)
	if s != "" && !validID.MatchString(s) {
		o.errorf(o.vals[key].Line, "%s %q: use lower-case letters, digits, - and _", key, s)
	}
	return s
}

var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ReservedModuleID reports whether id names one of a course's own pages
// under /courses/COURSE/ (the exam, the next step), so no module may use it.
func ReservedModuleID(id string) bool {
	switch id {
	case "exam", "next":
		return true
	}
	return false
}

// intMin returns the whole-number value of key (required), reporting values
// below lowest and, when highest > 0, above highest; line is where it stands.
func (o *obj) intMin(key string, lowest, highest int) (n, line int) {
	v := o.scalar(key, true)
	if v == nil {
		return 0, o.line(key)
	}
	if v.Tag != "!!int" || v.Decode(&n) != nil {
		o.errorf(v.Line, "%s must be a whole number, found %q", key, v.Value)
		return 0, v.Line
	}
	switch {
	case highest > 0 && (n < lowest || n > highest):
		o.errorf(v.Line, "%s must be between %d and %d, is %d", key, lowest, highest, n)
	case n < lowest:
		o.errorf(v.Line, "%s must be at least %d, is %d", key, lowest, n)
	}
	return n, v.Line
}

// bool returns the value of an optional true/false key.
func (o *obj) bool(key string) bool {
	v := o.scalar(key, false)
	var b bool
	if v != nil && (v.Tag != "!!bool" || v.Decode(&b) != nil) {
		o.errorf(v.Line, "%s must be true or false, found %q", key, v.Value)
	}
	return b
}

// list returns the items of a sequence; a required one must not be empty.
func (o *obj) list(key string, required bool) []*yaml.Node {
	v := o.get(key, required)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		o.errorf(v.Line, "%s: expected a list (- item), found %s", key, describe(v))
		return nil
	}
	if required && len(v.Content) == 0 {
		o.errorf(v.Line, "%s is empty", key)
	}
	return v.Content
}

// strs returns the items of a list of non-blank strings.
func (o *obj) strs(key string, required bool) []string {
	var out []string
	for _, item := range o.list(key, required) {
		if item.Kind != yaml.ScalarNode || strings.TrimSpace(item.Value) == "" {
			o.errorf(item.Line, "%s: expected a non-empty text, found %s", key, describe(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// text returns a required mapping of language code to non-blank text that
// has exactly the given languages.
func (o *obj) text(key string, langs []string) quiz.Text {
	v := o.get(key, true)
	if v == nil || len(langs) == 0 { // without languages there is nothing to check against
		return nil
	}
	where := key
	if o.where != "" {
		where = o.where + ": " + key
	}
	if v.Kind != yaml.MappingNode {
		o.errorf(v.Line, "%s needs one text per language (%s), found %s", key, strings.Join(langs, ", "), describe(v))
		return nil
	}
	t := o.l.obj(o.file, where, v, langs...)
	text := quiz.Text{}
	for _, lang := range langs {
		if s := t.str(lang, true); s != "" {
			text[lang] = s
		}
	}
	return text
}

// describe names what a node is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unsupported YAML node"
}
