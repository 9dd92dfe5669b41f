package certificates

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"
)

const testSVGLogo = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" width="200" height="80">
  <rect x="0" y="0" width="200" height="80" rx="12" fill="#0b5cad"/>
  <circle cx="40" cy="40" r="24" fill="#ffffff"/>
  <path d="M80 20 L180 20 L180 60 L80 60 Z" fill="#f5b301"/>
</svg>`

func TestSVGLogo(t *testing.T) {
	if err := CheckLogo([]byte(testSVGLogo)); err != nil {
		t.Fatalf("a plain SVG logo is refused: %v", err)
	}
	out, w, h, err := normaliseLogo([]byte(testSVGLogo))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != svgLogoPixels || b.Dy() != svgLogoPixels*80/200 || w <= h {
		t.Errorf("rasterised to %v (%.1f x %.1f mm), want %d x %d", b, w, h, svgLogoPixels, svgLogoPixels*80/200)
	}
	// The middle of the circle is white, a corner of the yellow box yellow.
	if r, g, b, _ := img.At(120, 120).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("circle centre is %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := img.At(400, 120).RGBA(); r>>8 != 0xf5 || g>>8 != 0xb3 || b>>8 != 0x01 {
		t.Errorf("box is %d,%d,%d, want #f5b301", r>>8, g>>8, b>>8)
	}
	pdf, err := RenderPDF(testMessages(), pdfTestCert("Erika Mustermann"), Issuer{Name: "Muster GmbH", URL: "https://kipass.example.com", Logo: []byte(testSVGLogo)}, "de", "x.y.z")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Error("the PDF holds no image for the SVG logo")
	}
}

func TestSVGLogoRefused(t *testing.T) {
	for name, svg := range map[string]string{
		"script":        `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>`,
		"event handler": `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><rect width="5" height="5"/></svg>`,
		"external href": `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><image xlink:href="https://tracker.example/p.png"/></svg>`,
		"css url":       `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5" fill="url(https://x.example/a)"/></svg>`,
		"foreign html":  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><foreignObject><p>x</p></foreignObject></svg>`,
		"entity":        `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>`,
		"not svg":       `<?xml version="1.0"?><html><body/></html>`,
		"broken":        `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect`,
		"text":          `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 20"><text x="0" y="15">Muster GmbH</text></svg>`,
		"no size":       `<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>`,
		"huge":          `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">` + strings.Repeat(`<rect width="1" height="1"/>`, svgMaxElements) + `</svg>`,
	} {
		err := CheckLogo([]byte(svg))
		if !errors.Is(err, ErrLogoUnsupported) {
			t.Errorf("%s: %v, want ErrLogoUnsupported", name, err)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the message spans lines: %q", name, err)
		}
	}
}

// FuzzCheckLogo: no upload makes the logo check panic or hang, and a logo
// it accepts is drawn: it normalises to a PNG that decodes.
func FuzzCheckLogo(f *testing.F) {
	f.Add([]byte(testSVGLogo))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><path d="M0 0 L9 9 Z" fill="url(#g)"/></svg>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg/>`))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if CheckLogo(b) != nil {
			return
		}
		out, w, h, err := normaliseLogo(b)
		if err != nil || w <= 0 || h <= 0 {
			t.Fatalf("accepted, then not drawn: %v (%.1f x %.1f)", err, w, h)
		}
		if _, err := png.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("normalised logo is no PNG: %v", err)
		}
	})
}
