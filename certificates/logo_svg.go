package certificates

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// svgMaxElements bounds the elements of an SVG logo (a logo has tens; a
// file of thousands is no logo and would only cost drawing time).
const svgMaxElements = 2000

// svgLogoPixels is the longer side of an SVG logo rasterised for the PDF
// (about 5 cm at 300 dpi, more than the logo's place on the page).
const svgLogoPixels = 600

// isSVG reports whether b looks like an SVG document (an XML or <svg
// start after optional white space, BOM and comments).
func isSVG(b []byte) bool {
	s := strings.TrimSpace(strings.TrimPrefix(string(b[:min(len(b), 1024)]), "\ufeff"))
	return strings.HasPrefix(s, "<?xml") || strings.HasPrefix(s, "<svg") || strings.HasPrefix(s, "<!--")
}

// checkSVG refuses what an SVG logo must not hold: scripts, event
// handlers, embedded HTML, references to other files or sites (a logo is
// shown on public pages and must not load anything), DOCTYPE entities.
// The root element must be svg.
func checkSVG(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	root, elements := true, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: not a well-formed SVG (%v)", ErrLogoUnsupported, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return fmt.Errorf("%w: SVG with a DOCTYPE", ErrLogoUnsupported)
		case xml.StartElement:
			if elements++; elements > svgMaxElements {
				return fmt.Errorf("%w: SVG with more than %d elements", ErrLogoUnsupported, svgMaxElements)
			}
			name := strings.ToLower(t.Name.Local)
			if root && name != "svg" {
				return fmt.Errorf("%w: the root element is %s, not svg", ErrLogoUnsupported, t.Name.Local)
			}
			root = false
			switch name {
			case "script", "foreignobject", "image", "use", "iframe", "object", "embed", "a", "style":
				return fmt.Errorf("%w: SVG with a %s element", ErrLogoUnsupported, t.Name.Local)
			}
			for _, a := range t.Attr {
				an := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(an, "on") || an == "href" || strings.Contains(strings.ToLower(a.Value), "url(") && !strings.Contains(a.Value, "url(#") {
					return fmt.Errorf("%w: SVG with a %s attribute", ErrLogoUnsupported, a.Name.Local)
				}
			}
		}
	}
	if root {
		return fmt.Errorf("%w: empty SVG", ErrLogoUnsupported)
	}
	return nil
}

// rasteriseSVG draws an SVG logo as an image for the PDF. It fails on an
// element or attribute the rasteriser cannot draw (text, filters), so
// that the certificate never shows half a logo.
func rasteriseSVG(b []byte) (image.Image, error) {
	if err := checkSVG(b); err != nil {
		return nil, err
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(b), oksvg.StrictErrorMode)
	if err != nil {
		return nil, fmt.Errorf("%w: the SVG uses what the certificate cannot draw (%v); convert text to paths or upload a PNG", ErrLogoUnsupported, err)
	}
	w, h := icon.ViewBox.W, icon.ViewBox.H
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: the SVG has no viewBox size", ErrLogoUnsupported)
	}
	scale := svgLogoPixels / max(w, h)
	pw, ph := max(1, int(w*scale)), max(1, int(h*scale))
	icon.SetTarget(0, 0, float64(pw), float64(ph))
	img := image.NewNRGBA(image.Rect(0, 0, pw, ph))
	scanner := rasterx.NewScannerGV(pw, ph, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(pw, ph, scanner), 1)
	return img, nil
}
