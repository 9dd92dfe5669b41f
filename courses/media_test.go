package courses

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// goodSVG is a small valid illustration.
const goodSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 320 160" width="320" height="160" role="img">
  <title>Zwei Kästen</title>
  <desc>Ein Pfeil von links nach rechts.</desc>
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z"/></marker>
    <linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#ddd"/></linearGradient>
    <rect id="box" width="100" height="60"/>
  </defs>
  <use href="#box" x="10" y="50" fill="url(#g)"/>
  <use xlink:href="#box" x="210" y="50" fill="url('#g')"/>
  <line x1="110" y1="80" x2="205" y2="80" stroke="#222" marker-end="url(#arrow)"/>
  <text x="60" y="30" text-anchor="middle">A</text>
</svg>
`

// withFigure returns the valid fixture whose German passwoerter text shows
// the illustration file name (with its text as is) and whose English text
// shows ref as its own line.
func withFigure(t *testing.T, svgName, svg, deRef, enRef string) fstest.MapFS {
	t.Helper()
	fsys := validFS(t, nil)
	if svgName != "" {
		fsys["testkurs/passwoerter/"+svgName] = &fstest.MapFile{Data: []byte(svg)}
	}
	for lang, ref := range map[string]string{"de": deRef, "en": enRef} {
		f := fsys["testkurs/passwoerter/"+lang+".md"]
		f.Data = append(append([]byte{}, f.Data...), []byte("\n"+ref+"\n")...)
	}
	return fsys
}

func TestFigure(t *testing.T) {
	fsys := withFigure(t, "bild.svg", goodSVG, `![Zwei Kästen mit "Pfeil"](bild.svg "Von A nach B")`, "![Two boxes with an arrow](bild.svg)")
	cat, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cat.Courses[0].Module("passwoerter")
	md := m.Media["bild.svg"]
	if md == nil || md.Width != 320 || md.Height != 160 || len(md.Hash) != 16 || string(md.Data) != goodSVG {
		t.Fatalf("Media = %+v", md)
	}
	url := "/courses/testkurs/passwoerter/media/bild.svg?v=" + md.Hash
	de, en := string(m.HTML["de"]), string(m.HTML["en"])
	wantDE := `<figure class="illustration"><img src="` + url + `" alt="Zwei Kästen mit “Pfeil”" width="320" height="160" loading="lazy" decoding="async"><figcaption>Von A nach B</figcaption></figure>`
	if !strings.Contains(de, wantDE) {
		t.Errorf("German figure missing:\nwant %s\nin   %s", wantDE, de)
	}
	if !strings.Contains(en, `alt="Two boxes with an arrow" width="320"`) || strings.Contains(en, "figcaption") {
		t.Errorf("English figure: %s", en)
	}
	if strings.Contains(de, "<p><figure") || strings.Contains(de, "<p></p>") {
		t.Errorf("the figure sits in a paragraph: %s", de)
	}
}

func TestFigureSizeFromViewBox(t *testing.T) {
	svg := strings.Replace(goodSVG, ` width="320" height="160"`, "", 1)
	svg = strings.Replace(svg, `viewBox="0 0 320 160"`, `viewBox="0 0 300.4 150"`, 1)
	cat, err := Load(withFigure(t, "bild.svg", svg, "![Bild](bild.svg)", "![Picture](bild.svg)"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cat.Courses[0].Module("passwoerter")
	if md := m.Media["bild.svg"]; md.Width != 300 || md.Height != 150 {
		t.Errorf("size %d×%d, want 300×150", md.Width, md.Height)
	}
}

// TestFigureRejected covers every way an illustration is refused: each
// case must fail Load with a message that names the file and the reason.
func TestFigureRejected(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(goodSVG, old, new, 1) }
	for _, tc := range []struct {
		name     string
		svg, ref string
		want     string
	}{
		{"script", replace("<title>", "<script>alert(1)</script><title>"), "", "has a <script> element"},
		{"onload", replace(`role="img"`, `role="img" onload="alert(1)"`), "", "has an event handler attribute onload= on <svg>"},
		{"onclick upper case", replace("<text ", `<text ONCLICK="x" `), "", "event handler attribute ONCLICK="},
		{"external href", replace(`href="#box"`, `href="https://example.com/x.svg#box"`), "", `external reference href="https://example.com/x.svg#box" on <use>`},
		{"external xlink:href", replace(`xlink:href="#box"`, `xlink:href="other.svg#box"`), "", `external reference href="other.svg#box"`},
		{"data href", replace(`href="#box"`, `href="data:image/svg+xml,%3Csvg/%3E"`), "", "external reference"},
		{"external url()", replace(`fill="url(#g)"`, `fill="url(https://example.com/p.svg#g)"`), "", "external reference url(https://example.com/p.svg#g) in fill="},
		{"style url", replace("<text ", `<text style="fill:url('//x.example/a')" `), "", "external reference url(//x.example/a) in style="},
		{"foreignObject", replace("<text ", `<foreignObject width="9" height="9"><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject><text `), "", "has a <foreignObject> element"},
		{"image element", replace("<text ", `<image href="#x"/><text `), "", "has a <image> element, which illustrations may not use"},
		{"style element", replace("<title>", `<style>@import url(x.css)</style><title>`), "", "has a <style> element"},
		{"a element", replace("<text ", `<a href="#x"><text>y</text></a><text `), "", "has a <a> element"},
		{"html root", `<html xmlns="http://www.w3.org/1999/xhtml"><title>x</title></html>`, "", "is not an SVG: the root element is <html>"},
		{"no namespace", strings.Replace(goodSVG, ` xmlns="http://www.w3.org/2000/svg"`, "", 1), "", "is not an SVG"},
		{"not XML", "GIF89a not an svg", "", "is not an SVG: it has no root element"},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>` + goodSVG[strings.Index(goodSVG, "<svg"):], "", "has a DOCTYPE or entity declaration"},
		{"stylesheet instruction", `<?xml-stylesheet href="https://x.example/a.css"?>` + goodSVG[strings.Index(goodSVG, "<svg"):], "", "has a processing instruction <?xml-stylesheet"},
		{"no title", replace("<title>Zwei Kästen</title>", ""), "", "has no <title>"},
		{"no viewBox", replace(`viewBox="0 0 320 160" `, ""), "", "has no viewBox"},
		{"width in percent", replace(`width="320"`, `width="100%"`), "", `has width="100%" height="160"`},
		{"too big", replace("<desc>", "<desc>"+strings.Repeat("x", MaxSVGBytes)), "", fmt.Sprintf("more than the %d bytes", MaxSVGBytes)},
		{"missing file", "", "![Bild](fehlt.svg)", `image "fehlt.svg": the file testkurs/passwoerter/fehlt.svg does not exist`},
		{"missing alt", goodSVG, "![](bild.svg)", `image "bild.svg": the alt text is empty`},
		{"blank alt", goodSVG, "![ ](bild.svg)", `image "bild.svg": the alt text is empty`},
		{"path traversal", goodSVG, "![Bild](../ki-werkzeuge/bild.svg)", `image "../ki-werkzeuge/bild.svg": an illustration is an .svg file in the module's folder`},
		{"escaped traversal", goodSVG, "![Bild](%2e%2e/bild.svg)", `an illustration is an .svg file in the module's folder`},
		{"absolute path", goodSVG, "![Bild](/etc/bild.svg)", `an illustration is an .svg file in the module's folder`},
		{"web address", goodSVG, "![Bild](https://example.com/bild.svg)", `an illustration is an .svg file in the module's folder`},
		{"script address", goodSVG, "![Bild](javascript:alert(1))", `image "javascript:alert(1)": an illustration is an .svg file`},
		{"not svg", goodSVG, "![Bild](bild.png)", `image "bild.png": an illustration is an .svg file`},
		{"inline in text", goodSVG, "Siehe ![Bild](bild.svg) hier.", `image "bild.svg": put an illustration in a paragraph of its own`},
		{"unreferenced", goodSVG, "Kein Bild.", "testkurs/passwoerter/bild.svg: no module text references this illustration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.ref
			if ref == "" {
				ref = "![Bild](bild.svg)"
			}
			name := "bild.svg"
			if tc.svg == "" {
				name = ""
			}
			fsys := withFigure(t, name, tc.svg, ref, "Text.")
			if name != "" && tc.ref != "" && tc.name != "unreferenced" {
				// the English text references the good file, so only the German reference is at fault
				fsys["testkurs/passwoerter/en.md"].Data = append(fsys["testkurs/passwoerter/en.md"].Data, []byte("\n![Picture](bild.svg)\n")...)
			}
			cat, err := Load(fsys)
			if err == nil || cat != nil {
				t.Fatal("Load accepted the illustration")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("missing %q in\n%s", tc.want, err)
			}
			if !strings.Contains(err.Error(), "testkurs/passwoerter/") {
				t.Errorf("the message does not name the file: %s", err)
			}
		})
	}
}
