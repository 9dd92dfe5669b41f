package courses

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// MaxSVGBytes bounds an illustration's file size: hand-drawn diagrams are a
// few KB, and a module page must not wait for a large picture.
const MaxSVGBytes = 32 << 10

// Media is one illustration of a module: an SVG file in the module's folder
// that a module text references and that Load has checked (see checkSVG).
type Media struct {
	// Name is the file name in the module folder, e.g. "risikostufen.de.svg".
	Name string
	// Data is the file's content, served as it is.
	Data []byte
	// Hash is the first 16 hex digits of the SHA-256 of Data: the cache key
	// in the illustration's URL and its ETag.
	Hash string
	// Width and Height are the SVG's intrinsic size in CSS pixels; the page
	// gives them to <img>, so the picture takes its room before it loads.
	Width, Height int
}

// MediaURL is the address module pages use for an illustration: the
// module's address, /media/, the file name and the content hash, so a
// changed file gets a new URL and browsers may cache each one for good.
// The web layer serves exactly this route.
func MediaURL(course, module string, m *Media) string {
	return "/courses/" + course + "/" + module + "/media/" + m.Name + "?v=" + m.Hash
}

// validMediaName is the form of a referenced file name: no folders, no
// "..", nothing that needs escaping in a URL.
var validMediaName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*\.svg$`)

// svgElements are the SVG elements an illustration may use: shapes, text,
// grouping, gradients and markers. Everything that runs code, embeds other
// documents or loads other resources (script, foreignObject, image, style,
// a, iframe, animation elements) is absent.
var svgElements = map[string]bool{
	"svg": true, "g": true, "title": true, "desc": true, "defs": true, "symbol": true, "use": true,
	"path": true, "rect": true, "circle": true, "ellipse": true, "line": true, "polyline": true, "polygon": true,
	"text": true, "tspan": true, "marker": true, "clipPath": true, "mask": true,
	"linearGradient": true, "radialGradient": true, "stop": true, "pattern": true,
}

// cssURL finds url(...) in attribute values (fill="url(#g)", style=...).
var cssURL = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")]*)`)

const svgNS = "http://www.w3.org/2000/svg"

// checkSVG checks an illustration's bytes and returns its intrinsic size,
// or says what is wrong: an SVG document (root svg in the SVG namespace)
// with a title, a viewBox and a size, at most MaxSVGBytes, with only the
// elements of svgElements, no event handler attributes (on...), no
// references (href, xlink:href, url(...)) to anything but a fragment of the
// same file, no DOCTYPE or entities, no processing instructions. Browsers
// run no script in an <img>, but the file is also served at its own URL,
// where they would.
func checkSVG(b []byte) (width, height int, problem string) {
	if len(b) > MaxSVGBytes {
		return 0, 0, fmt.Sprintf("is %d bytes, more than the %d bytes an illustration may have", len(b), MaxSVGBytes)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	depth := 0
	hasTitle, hasRoot := false, false
	var viewBox, w, h string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, "is not well-formed XML: " + err.Error()
		}
		switch t := tok.(type) {
		case xml.Directive:
			return 0, 0, "has a DOCTYPE or entity declaration (<!...>): remove it"
		case xml.ProcInst:
			if t.Target != "xml" {
				return 0, 0, fmt.Sprintf("has a processing instruction <?%s ...?>: remove it", t.Target)
			}
		case xml.StartElement:
			name := t.Name.Local
			switch {
			case depth == 0 && (name != "svg" || t.Name.Space != svgNS):
				return 0, 0, fmt.Sprintf(`is not an SVG: the root element is <%s>, not <svg xmlns="%s">`, name, svgNS)
			case depth > 0 && t.Name.Space != svgNS:
				return 0, 0, fmt.Sprintf("has an element <%s> outside the SVG namespace", name)
			case name == "script":
				return 0, 0, "has a <script> element: illustrations run no code"
			case name == "foreignObject":
				return 0, 0, "has a <foreignObject> element: it embeds HTML, which an illustration must not"
			case !svgElements[name]:
				return 0, 0, fmt.Sprintf("has a <%s> element, which illustrations may not use (allowed: shapes, text, g, defs, use, gradients, markers)", name)
			}
			hasRoot = true
			if depth == 1 && name == "title" {
				hasTitle = true
			}
			for _, a := range t.Attr {
				an := a.Name.Local
				switch {
				case strings.HasPrefix(strings.ToLower(an), "on"):
					return 0, 0, fmt.Sprintf("has an event handler attribute %s= on <%s>: illustrations run no code", an, name)
				case an == "href":
					if !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
						return 0, 0, fmt.Sprintf("has an external reference %s=%q on <%s>: only references to #fragments of the same file are allowed", an, a.Value, name)
					}
				}
				for _, m := range cssURL.FindAllStringSubmatch(a.Value, -1) {
					if !strings.HasPrefix(strings.TrimSpace(m[1]), "#") {
						return 0, 0, fmt.Sprintf("has an external reference url(%s) in %s= on <%s>: only url(#fragment) is allowed", m[1], an, name)
					}
				}
				if depth == 0 && a.Name.Space == "" {
					switch an {
					case "viewBox":
						viewBox = a.Value
					case "width":
						w = a.Value
					case "height":
						h = a.Value
					}
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if !hasRoot {
		return 0, 0, "is not an SVG: it has no root element"
	}
	if depth != 0 {
		return 0, 0, "is not well-formed XML: an element is not closed"
	}
	if !hasTitle {
		return 0, 0, "has no <title> as a child of <svg>: give the illustration a title (and a <desc>)"
	}
	vb := strings.Fields(strings.ReplaceAll(viewBox, ",", " "))
	if len(vb) != 4 {
		return 0, 0, `has no viewBox="0 0 WIDTH HEIGHT" on <svg>: it is needed to scale the illustration`
	}
	vw, err1 := strconv.ParseFloat(vb[2], 64)
	vh, err2 := strconv.ParseFloat(vb[3], 64)
	if err1 != nil || err2 != nil || vw <= 0 || vh <= 0 {
		return 0, 0, fmt.Sprintf("has a viewBox %q without a positive width and height", viewBox)
	}
	width, height = int(math.Round(vw)), int(math.Round(vh))
	if w != "" || h != "" {
		pw, ok1 := pixels(w)
		ph, ok2 := pixels(h)
		if !ok1 || !ok2 {
			return 0, 0, fmt.Sprintf("has width=%q height=%q on <svg>: give both as plain numbers (pixels), or neither", w, h)
		}
		width, height = pw, ph
	}
	if width > 4000 || height > 4000 {
		return 0, 0, fmt.Sprintf("is %d×%d pixels, larger than 4000 in one direction", width, height)
	}
	return width, height, ""
}

// pixels parses an SVG length given in pixels ("640" or "640px").
func pixels(s string) (int, bool) {
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "px"), 64)
	if err != nil || f <= 0 {
		return 0, false
	}
	return int(math.Round(f)), true
}

// media checks the illustration a module text references as dest and
// returns it (read and checked once per module), or "" and nil with a
// problem already added.
func (l *loader) media(m *Module, folder, file string, line int, dest string) *Media {
	if !validMediaName.MatchString(dest) {
		l.add(file, line, "image %q: an illustration is an .svg file in the module's folder, named with lower-case letters, digits, -, _ and dots (e.g. risk-levels.en.svg), without folders or an address", dest)
		return nil
	}
	name := path.Join(folder, dest)
	l.referenced[name] = true
	if md, ok := m.Media[dest]; ok {
		return md
	}
	b, ok := l.files[name]
	if !ok {
		l.add(file, line, "image %q: the file %s does not exist", dest, name)
		return nil
	}
	w, h, problem := checkSVG(b)
	if problem != "" {
		l.add(file, line, "image %q: %s %s", dest, name, problem)
		return nil
	}
	sum := sha256.Sum256(b)
	md := &Media{Name: dest, Data: b, Hash: hex.EncodeToString(sum[:8]), Width: w, Height: h}
	m.Media[dest] = md
	return md
}

// unusedMedia reports .svg files in a module folder that no module text
// references: they would ship without ever being shown or served.
func (l *loader) unusedMedia(folder string) {
	for name := range l.files {
		if path.Dir(name) == folder && strings.HasSuffix(name, ".svg") {
			if !l.referenced[name] {
				l.add(name, 0, "no module text references this illustration: reference it with ![alt text](%s) or remove it", path.Base(name))
			}
		}
	}
}
