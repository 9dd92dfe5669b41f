package certificates

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// pdfUpdateGolden: -update (the package's golden flag, defined in
// credential_test.go) or -update-pdf rewrites the PDF golden files.
func pdfUpdateGolden() bool {
	if *updatePDFGolden {
		return true
	}
	if f := flag.Lookup("update"); f != nil {
		return f.Value.String() == "true"
	}
	return false
}

// pdfTestLogo is a 600x200 logo: a blue and transparent checkerboard
// with a red bar, so that position, size and transparency all show.
func pdfTestLogo(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 600, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 600; x++ {
			switch {
			case y >= 170:
				img.Set(x, y, color.NRGBA{0xc0, 0x20, 0x20, 255})
			case (x/50+y/50)%2 == 0:
				img.Set(x, y, color.NRGBA{0x1d, 0x4e, 0x89, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfCourseCert is a certificate of the real course: its eight module
// titles (from content/ki-am-arbeitsplatz) and reading times.
func pdfCourseCert(name string) Certificate {
	c := pdfTestCert(name)
	c.CourseMinutes = map[string]int{"de": 94, "en": 102}
	c.Competences = []map[string]string{
		{"de": "Daten und KI: ein Rohstoff, der Verantwortung verlangt", "en": "Data and AI: a raw material that demands responsibility"},
		{"de": "DSGVO-Grundlagen für den Arbeitsalltag", "en": "GDPR essentials for everyday work"},
		{"de": "Vertrauen und Transparenz: offen sagen, was mit Daten und KI geschieht", "en": "Trust and transparency: being open about data and AI"},
		{"de": "Bias und Diskriminierung: wenn KI Vorurteile lernt", "en": "Bias and discrimination: when AI learns prejudice"},
		{"de": "Privacy by Design: Datenschutz von Anfang an mitdenken", "en": "Privacy by design: building data protection in from the start"},
		{"de": "Datenqualität und Audits: verlässliche Daten, nachvollziehbare KI", "en": "Data quality and audits: reliable data, traceable AI"},
		{"de": "Die EU-KI-Verordnung: Was für KI im Unternehmen gilt", "en": "The EU AI Act: what applies to AI at work"},
		{"de": "Verantwortung im Alltag: KI sicher und fair nutzen", "en": "Responsibility day to day: using AI safely and fairly"},
	}
	return c
}

// pdfLongCert is the real course with a name of 80 characters and a
// ninth module title long enough to wrap even in a wide column.
func pdfLongCert() Certificate {
	c := pdfCourseCert("Maximiliane Alexandra Friederike von und zu Hohenstein-Wartenberg-Schwarzenfels")
	c.Competences = append(c.Competences,
		map[string]string{"de": "Ein sehr langer Modultitel, der in seiner Spalte umbrechen muss, damit nichts abgeschnitten wird, auch nicht am Ende",
			"en": "A very long module title that has to wrap in its column so that nothing is cut off at all, not even at its end"})
	return c
}

// The page as a recipient sees it, rendered by pdftoppm, matches the
// golden images within a tolerance for anti-aliasing; run with -update
// after an intended change, and look at the new images.
func TestCertificatePDFLooksAsDesigned(t *testing.T) {
	pdfNeedTool(t, "pdftoppm")
	withLogo := pdfTestIssuer
	withLogo.Logo = pdfTestLogo(t)
	normal := pdfCourseCert("Zoë Ångström-Łukasiewicz")
	for _, tc := range []struct {
		golden string
		c      Certificate
		iss    Issuer
		lang   string
	}{
		{"pdf-page-de-logo.png", normal, withLogo, "de"},
		{"pdf-page-en-long.png", pdfLongCert(), pdfTestIssuer, "en"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			b, err := RenderPDF(testMessages(), tc.c, tc.iss, tc.lang, pdfTestJWT)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "c.pdf")
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
			pdfRunTool(t, "pdftoppm", "-r", "50", "-gray", "-png", "-singlefile", file, filepath.Join(dir, "page"))
			got, err := os.ReadFile(filepath.Join(dir, "page.png"))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tc.golden)
			if pdfUpdateGolden() {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./certificates -run TestCertificatePDFLooksAsDesigned -update to create it)", err)
			}
			diff, total, err := pdfPixelDiff(got, want, 64)
			if err != nil {
				t.Fatal(err)
			}
			// Up to 0.2 % of the pixels may differ clearly (another
			// poppler's anti-aliasing); a moved line of text is far more.
			if float64(diff) > 0.002*float64(total) {
				out := filepath.Join(os.TempDir(), "kipass-"+tc.golden)
				_ = os.WriteFile(out, got, 0o644)
				t.Errorf("%d of %d pixels differ from %s (rendering saved as %s); if intended, look at it and run with -update",
					diff, total, golden, out)
			}
		})
	}
}

// pdfPixelDiff counts the pixels whose grey levels differ by more than
// threshold; images of different sizes are an error.
func pdfPixelDiff(a, b []byte, threshold int) (int, int, error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	if ia.Bounds() != ib.Bounds() {
		return 0, 0, fmt.Errorf("image size %v, golden %v", ia.Bounds(), ib.Bounds())
	}
	diff := 0
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := int(color.GrayModel.Convert(ia.At(x, y)).(color.Gray).Y)
			gb := int(color.GrayModel.Convert(ib.At(x, y)).(color.Gray).Y)
			if ga-gb > threshold || gb-ga > threshold {
				diff++
			}
		}
	}
	return diff, r.Dx() * r.Dy(), nil
}

// No text is cut: pdftotext finds the whole name (80 characters), every
// module title (also one that wraps), the course, the scope, the dates,
// the issuer and the verify URL, in both languages, and no ellipsis.
func TestCertificatePDFTextIsWhole(t *testing.T) {
	c := pdfLongCert()
	longIssuer := Issuer{Name: "Gemeinnützige Gesellschaft für Weiterbildung und Beratung im Gesundheitswesen mbH",
		URL: "https://kipass.weiterbildung-gesundheitswesen.example", Logo: pdfTestLogo(t)}
	longCourse := c
	longCourse.CourseTitle = map[string]string{"de": "Künstliche Intelligenz und Datenschutz am Arbeitsplatz: Grundlagen, Pflichten und gute Praxis für alle Beschäftigten"}
	longCourse.CertificateTitle = map[string]string{"de": "Zertifikat: Künstliche Intelligenz und Datenschutz am Arbeitsplatz für alle Beschäftigten"}
	for _, tc := range []struct {
		lang string
		iss  Issuer
		want []string
		c    *Certificate
	}{
		{"de", pdfTestIssuer, []string{"9 Module, ca. 94 Minuten", "Ausgestellt am 29.11.2026 · gültig bis 29.11.2027",
			"die Abschlussprüfung des Kurses „KI am Arbeitsplatz“ bestanden hat."}, nil},
		{"en", pdfTestIssuer, []string{"9 modules, about 102 minutes", "Issued 29 November 2026 · valid until 29 November 2027",
			"has passed the final exam of the course “AI in the workplace”."}, nil},
		{"de", longIssuer, []string{"9 Module, ca. 94 Minuten"}, nil},
		{"de", pdfTestIssuer, []string{"die Abschlussprüfung des Kurses „" + longCourse.CourseTitle["de"] + "“ bestanden hat.",
			longCourse.CertificateTitle["de"]}, &longCourse},
	} {
		c := c
		if tc.c != nil {
			c = *tc.c
		}
		t.Run(tc.lang+"/"+tc.iss.Name, func(t *testing.T) {
			b, err := RenderPDF(testMessages(), c, tc.iss, tc.lang, pdfTestJWT)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "c.pdf")
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
			text := pdfRunTool(t, "pdftotext", file, "-")
			flat := strings.Join(strings.Fields(text), " ")
			want := append([]string{c.HolderName, tc.iss.Name + " · " + tc.iss.URL, strings.ToUpper(tc.iss.Name),
				VerifyURL(tc.iss.URL, c.ID)}, tc.want...)
			for _, m := range c.Competences {
				want = append(want, m[tc.lang])
			}
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "…") {
				t.Errorf("text has an ellipsis:\n%s", text)
			}
		})
	}
}

// The hyphen in the PDF fonts is the font's hyphen glyph (the one of
// U+00AD), not the Go fonts' wide minus sign; every other glyph is as it
// was.
func TestTrueHyphen(t *testing.T) {
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "italic": goitalic.TTF} {
		orig, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		patched, err := sfnt.Parse(withTrueHyphen(ttf))
		if err != nil {
			t.Fatalf("%s: patched font does not parse: %v", name, err)
		}
		var buf sfnt.Buffer
		glyph := func(f *sfnt.Font, r rune) (fixed.Int26_6, fixed.Rectangle26_6, int) {
			gi, err := f.GlyphIndex(&buf, r)
			if err != nil {
				t.Fatal(err)
			}
			adv, _ := f.GlyphAdvance(&buf, gi, fixed.I(1000), font.HintingNone)
			bounds, _, _ := f.GlyphBounds(&buf, gi, fixed.I(1000), font.HintingNone)
			segs, err := f.LoadGlyph(&buf, gi, fixed.I(1000), nil)
			if err != nil {
				t.Fatalf("%s %U: %v", name, r, err)
			}
			return adv, bounds, len(segs)
		}
		hAdv, hBounds, hSegs := glyph(orig, '\u00ad')
		mAdv, mBounds, mSegs := glyph(patched, '-')
		oldAdv, _, _ := glyph(orig, '-')
		if mAdv != hAdv || mBounds != hBounds || mSegs != hSegs {
			t.Errorf("%s: '-' is %v %v %d segments, the hyphen glyph %v %v %d", name, mAdv, mBounds, mSegs, hAdv, hBounds, hSegs)
		}
		if mAdv >= oldAdv {
			t.Errorf("%s: '-' is as wide as before (%v)", name, oldAdv)
		}
		for _, r := range "AZaz09.,:;–—„“ÄÖÜäöüßŁ\u00ad" {
			a1, b1, s1 := glyph(orig, r)
			a2, b2, s2 := glyph(patched, r)
			if a1 != a2 || b1 != b2 || s1 != s2 {
				t.Errorf("%s: %q changed", name, r)
			}
		}
	}
	if got := withTrueHyphen([]byte("not a font")); string(got) != "not a font" {
		t.Errorf("garbage font changed: %q", got)
	}
}

func TestCheckLogo(t *testing.T) {
	pngLogo := pdfTestLogo(t)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 40, 20)), nil); err != nil {
		t.Fatal(err)
	}
	huge := image.NewGray(image.Rect(0, 0, MaxLogoPixels+1, 1))
	var hugePNG bytes.Buffer
	if err := png.Encode(&hugePNG, huge); err != nil {
		t.Fatal(err)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
	for name, tc := range map[string]struct {
		b  []byte
		ok bool
	}{
		"png": {pngLogo, true}, "jpeg": {jpg.Bytes(), true},
		"svg": {svg, true}, "svg with a script": {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>x()</script></svg>`), false}, "empty": {nil, false}, "truncated png": {pngLogo[:100], false},
		"too many pixels": {hugePNG.Bytes(), false}, "too many bytes": {append(bytes.Clone(pngLogo), make([]byte, MaxLogoBytes)...), false},
	} {
		err := CheckLogo(tc.b)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckLogo = %v", name, err)
		}
		// Whatever the logo, the certificate renders; only a good logo
		// is drawn.
		iss := pdfTestIssuer
		iss.Logo = tc.b
		b, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), iss, "de", pdfTestJWT)
		if err != nil {
			t.Errorf("%s: RenderPDF: %v", name, err)
			continue
		}
		if got := bytes.Contains(b, []byte("/Subtype /Image")); got != tc.ok {
			t.Errorf("%s: image in the PDF = %v", name, got)
		}
	}
}
