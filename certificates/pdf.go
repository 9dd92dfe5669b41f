package certificates

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jung-kurt/gofpdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"kipass/internal/i18n"
)

// CredentialFileName is the name of the file, embedded in every certificate
// PDF, that holds the verifiable credential (a compact JWS).
const CredentialFileName = "credential.jwt"

// credentialMediaType is the media type of a VC secured as a JWS
// (W3C VC-JOSE-COSE).
const credentialMediaType = "application/vc+jwt"

// The page: A4 landscape, in millimetres.
const (
	pageW    = 297.0
	pageH    = 210.0
	contentL = 30.0 // left edge of the text block
	contentR = pageW - 30.0
	qrSize   = 32.0 // side of the QR code; ~1 mm per module for a typical URL
)

// Colours (0xRRGGBB): the kipass blue #1d4e89 for accents, near-black ink,
// a muted grey for secondary text and a light grey for hairlines.
const (
	colBlue  = 0x1d4e89
	colInk   = 0x1f2933
	colMuted = 0x5f6b7a
	colLine  = 0xc5cfda
)

// pdfWords is the fixed wording of a certificate in one language.
type pdfWords struct {
	title, course     string // fallbacks if the certificate lacks them
	intro             string // "This certifies that"
	passedPre         string // "has passed the final exam of the course "
	passedPost        string // "."
	competences       string
	issued            string // "Issued %s"
	validUntil        string // " · valid until %s"
	issuer            string
	id                string
	version           string
	note              string
	verify            string
	subject           string // document metadata
	attachment        string // description of credential.jwt
	date              func(time.Time) string
	openQ, closeQ     string
	competenceDefault string // used when a competence has no title in any language
	scope             func(modules, minutes int) string
}

// wordsFor reads the wording of lang ("de" or "en") from the catalog's
// certificate.* messages; ok is false for another language.
func wordsFor(msgs *i18n.Catalog, lang string) (w pdfWords, ok bool) {
	if !slices.Contains(i18n.Languages(), lang) {
		return pdfWords{}, false
	}
	t := func(key string, args ...any) string { return msgs.T(lang, "certificate."+key, args...) }
	return pdfWords{
		title:             t("title"),
		course:            t("course"),
		intro:             t("intro"),
		passedPre:         t("passed_pre"),
		passedPost:        t("passed_post"),
		competences:       t("competences"),
		issued:            t("issued"),
		validUntil:        t("valid_until"),
		issuer:            t("issuer"),
		id:                t("id"),
		version:           t("version"),
		note:              t("note", CredentialFileName),
		verify:            t("verify"),
		subject:           t("subject"),
		attachment:        t("attachment"),
		date:              func(d time.Time) string { return i18n.FormatDate(lang, d) },
		openQ:             t("open_quote"),
		closeQ:            t("close_quote"),
		competenceDefault: t("competence_default"),
		scope: func(modules, minutes int) string {
			s := t("modules", modules)
			if minutes > 0 {
				s = t("scope", s, t("minutes", minutes))
			}
			return s
		},
	}, true
}

// pick returns m[lang], else the other language, else any non-empty value,
// else def.
func pick(m map[string]string, lang, def string) string {
	if v := m[lang]; strings.TrimSpace(v) != "" {
		return v
	}
	for _, l := range []string{"de", "en"} {
		if v := m[l]; strings.TrimSpace(v) != "" {
			return v
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(m[k]) != "" {
			return m[k]
		}
	}
	return def
}

// shortVersion shortens "sha256:<64 hex>" to "sha256:<12 hex>".
func shortVersion(v string) string {
	const keep = 12
	if i := strings.IndexByte(v, ':'); i >= 0 && len(v)-i-1 > keep {
		return v[:i+1+keep]
	}
	if len(v) > 40 {
		return v[:40]
	}
	return v
}

// RenderPDF draws certificate c, issued by iss, in language lang ("de" or
// "en", in the words of msgs' certificate.* messages) as a one-page A4 landscape PDF and embeds credentialJWT as the
// attachment credential.jwt (none if credentialJWT is empty). The page
// shows iss.Logo if CheckLogo accepts it, the issuer, title, holder,
// course, the course's scope (number of modules and c.CourseMinutes), the
// module titles (c.Competences), dates, id, content version and a QR code
// for the verify URL. Nothing is cut off: long names, titles and module
// titles wrap or shrink to fit. The output depends only on the arguments:
// the same input gives the same bytes (creation date = c.IssuedAt). Dates
// are shown in the location of c.IssuedAt and c.ExpiresAt. Text the fonts
// cannot draw goes through SafeText, so any holder name renders. The
// result is not yet signed; see SignPDF.
func RenderPDF(msgs *i18n.Catalog, c Certificate, iss Issuer, lang string, credentialJWT string) ([]byte, error) {
	if msgs == nil {
		return nil, errors.New("certificates: render pdf: no messages")
	}
	w, ok := wordsFor(msgs, lang)
	if !ok {
		return nil, fmt.Errorf("certificates: render pdf: unsupported language %q", lang)
	}
	if c.ID == "" || iss.URL == "" {
		return nil, errors.New("certificates: render pdf: certificate id and issuer url are required")
	}
	g := newGlyphSet()
	verifyURL := VerifyURL(iss.URL, c.ID)
	t := pdfTexts{
		title:      g.clean(pick(c.CertificateTitle, lang, w.title), 200),
		holder:     g.clean(c.HolderName, MaxNameRunes),
		course:     g.clean(pick(c.CourseTitle, lang, w.course), 200),
		issuer:     g.clean(iss.Name, 200),
		issuerCaps: g.clean(strings.ToUpper(iss.Name), 200),
		url:        g.clean(iss.URL, 300),
		id:         g.clean(c.ID, 200),
		version:    g.clean(shortVersion(c.ContentVersion), 60),
		verify:     g.clean(verifyURL, 400),
	}
	if t.holder == "" {
		t.holder = "—"
	}
	for _, m := range c.Competences {
		t.competences = append(t.competences, g.clean(pick(m, lang, w.competenceDefault), 200))
	}
	dates := fmt.Sprintf(w.issued, w.date(c.IssuedAt))
	if !c.ExpiresAt.IsZero() {
		dates += fmt.Sprintf(w.validUntil, w.date(c.ExpiresAt))
	}
	t.dates = dates
	if n := len(c.Competences); n > 0 {
		t.scope = w.scope(n, minutesFor(c.CourseMinutes, lang))
	}

	// The QR code encodes the exact URL (not the cleaned text shown below
	// it): qrcode handles any bytes.
	qr, err := qrcode.New(verifyURL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("certificates: render pdf: qr code: %w", err)
	}
	qr.DisableBorder = true

	f := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "L", UnitStr: "mm", SizeStr: "A4"})
	f.SetCatalogSort(true) // reproducible output
	f.SetCreationDate(c.IssuedAt)
	f.SetModificationDate(c.IssuedAt)
	f.SetCompression(true)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	f.SetCellMargin(0)
	f.SetDisplayMode("fullpage", "single")
	f.SetProducer("kipass", true)
	f.SetCreator("kipass", true)
	f.SetAuthor(t.issuer, true)
	f.SetTitle(t.title+" – "+t.holder, true)
	f.SetSubject(g.clean(fmt.Sprintf(w.subject, t.course, t.id), 600), true)
	f.SetKeywords(g.clean("kipass, "+t.id, 300), true)
	// gofpdf writes into the font bytes it is given while subsetting, so
	// each PDF gets its own copy: the shared gofont data stays intact and
	// the same certificate renders to the same bytes.
	f.AddUTF8FontFromBytes("go", "", withTrueHyphen(goregular.TTF))
	f.AddUTF8FontFromBytes("go", "B", withTrueHyphen(gobold.TTF))
	f.AddUTF8FontFromBytes("go", "I", withTrueHyphen(goitalic.TTF))
	f.AddUTF8FontFromBytes("gomono", "", bytes.Clone(gomono.TTF))
	if credentialJWT != "" {
		f.SetAttachments([]gofpdf.Attachment{{
			Content:     []byte(credentialJWT),
			Filename:    CredentialFileName,
			Description: w.attachment,
		}})
	}
	var logo *pdfLogo
	if png, lw, lh, err := normaliseLogo(iss.Logo); err == nil {
		f.RegisterImageOptionsReader("logo", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		if f.Err() {
			return nil, fmt.Errorf("certificates: render pdf: logo: %w", f.Error())
		}
		logo = &pdfLogo{name: "logo", w: lw, h: lh}
	}
	f.AddPage()
	drawCertificate(f, w, t, qr, logo)

	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificates: render pdf: %w", err)
	}
	// gofpdf opens the document at "3 0 R", which is the first page only
	// when nothing is written before it; with an attachment it is the
	// embedded file. Point /OpenAction at the page itself.
	page := pdfPageObject.FindSubmatch(buf.Bytes())
	if page == nil {
		return nil, errors.New("certificates: render pdf: no page object")
	}
	edits := []pdfEdit{
		{"/Type /Catalog\n", "/Type /Catalog\n/Lang (" + lang + ")\n/ViewerPreferences << /DisplayDocTitle true >>\n"},
		{"/OpenAction [3 0 R /Fit]", "/OpenAction [" + string(page[1]) + " 0 R /Fit]"},
	}
	if credentialJWT != "" {
		// gofpdf names the attachment only in /UF and keys it
		// "Attachement1"; give it its real name everywhere and a media
		// type, so that every reader lists it as credential.jwt.
		edits = append(edits,
			pdfEdit{"<< /Type /EmbeddedFile /Length ", "<< /Type /EmbeddedFile /Subtype /" +
				strings.ReplaceAll(credentialMediaType, "/", "#2F") + " /Length "},
			pdfEdit{"/Type /Filespec /F () /UF ", "/Type /Filespec /F (" + CredentialFileName + ") /AFRelationship /Data /UF "},
			pdfEdit{"(Attachement1)", "(" + CredentialFileName + ")"},
		)
	}
	out, err := patchPDF(buf.Bytes(), edits)
	if err != nil {
		return nil, fmt.Errorf("certificates: render pdf: %w", err)
	}
	return out, nil
}

// pdfTexts holds every string drawn on the page, already made safe for
// the fonts.
type pdfTexts struct {
	title, holder, course, issuer, issuerCaps, url, id, version, verify, dates, scope string
	competences                                                                       []string
}

func setDraw(f *gofpdf.Fpdf, c int) { f.SetDrawColor(c>>16, c>>8&0xff, c&0xff) }
func setFill(f *gofpdf.Fpdf, c int) { f.SetFillColor(c>>16, c>>8&0xff, c&0xff) }
func setText(f *gofpdf.Fpdf, c int) { f.SetTextColor(c>>16, c>>8&0xff, c&0xff) }

// ptMM is one typographic point in millimetres.
const ptMM = 25.4 / 72

// wrapText breaks s into lines no wider than width in the current font,
// at spaces. A word wider than width on its own is broken after a hyphen
// if that helps, else between letters: nothing is ever left out.
func wrapText(f *gofpdf.Fpdf, s string, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if f.GetStringWidth(try) <= width {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = word
		for f.GetStringWidth(line) > width {
			cut := breakWord(f, line, width)
			lines = append(lines, line[:cut])
			line = line[cut:]
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// breakWord returns where to break a word that is wider than width: after
// the last hyphen that fits, else after the last rune that fits (at least
// one rune).
func breakWord(f *gofpdf.Fpdf, w string, width float64) int {
	fit := 0
	for i, r := range w {
		end := i + utf8.RuneLen(r)
		if f.GetStringWidth(w[:end]) > width {
			break
		}
		fit = end
	}
	if h := strings.LastIndexByte(w[:fit], '-'); h > 0 {
		return h + 1
	}
	if fit == 0 {
		_, n := utf8.DecodeRuneInString(w)
		return n
	}
	return fit
}

// balancedWrap wraps s as wrapText does into as few lines, but narrows the
// measure while the line count stays the same, so that the lines come out
// of similar length (a title in two halves, not a long line and a word).
func balancedWrap(f *gofpdf.Fpdf, s string, width float64) []string {
	lines := wrapText(f, s, width)
	if len(lines) < 2 {
		return lines
	}
	for w := width - 1; w > width/3; w-- {
		l := wrapText(f, s, w)
		if len(l) > len(lines) {
			break
		}
		lines = l
	}
	return lines
}

// fitStep is one way to set a text: in at most lines lines, at a size
// from max down to min points.
type fitStep struct{ lines, max, min float64 }

// fitLines sets s into width by the first step that works, trying each
// step's sizes from large to small in half points, and returns the lines
// and the size. If no step works, the last step's smallest size is used
// with as many lines as the text needs: text is never cut. The font
// family and style must already be set.
func fitLines(f *gofpdf.Fpdf, s string, width float64, steps ...fitStep) ([]string, float64) {
	for _, st := range steps {
		for size := st.max; size >= st.min-0.01; size -= 0.5 {
			f.SetFontSize(size)
			if l := balancedWrap(f, s, width); float64(len(l)) <= st.lines {
				return l, size
			}
		}
	}
	last := steps[len(steps)-1]
	f.SetFontSize(last.min)
	return balancedWrap(f, s, width), last.min
}

// fitSize returns the largest size from size down to minSize at which s
// fits into width on one line (minSize if none does). The font family and
// style must already be set.
func fitSize(f *gofpdf.Fpdf, s string, width, size, minSize float64) float64 {
	f.SetFontSize(size)
	if sw := f.GetStringWidth(s); sw > width {
		size = max(minSize, math.Floor(size*width/sw*10)/10)
	}
	return size
}

// centered draws s centred on the page with its baseline at y.
func centered(f *pen, y float64, s string) {
	f.Text((pageW-f.GetStringWidth(s))/2, y, s)
}

// centeredLines draws lines centred, the first baseline at y, lead mm
// apart, and returns the last baseline.
func centeredLines(f *pen, y, lead float64, lines []string) float64 {
	for i, l := range lines {
		centered(f, y+float64(i)*lead, l)
	}
	return y + float64(len(lines)-1)*lead
}

// The vertical layout: the footer (dates, issuer, id, QR code) sits at a
// fixed place at the bottom; the upper part is laid out from the top, and
// the competences get the room that is left between the two.
const (
	footerRule = 152.0 // the hairline above the footer
	logoMaxH   = 15.0
	logoMaxW   = 60.0
)

func drawCertificate(f *gofpdf.Fpdf, w pdfWords, t pdfTexts, qr *qrcode.QRCode, logo *pdfLogo) {
	// Frame: a firm outer rule and a hairline inside it.
	setDraw(f, colBlue)
	f.SetLineWidth(0.7)
	f.Rect(10, 10, pageW-20, pageH-20, "D")
	f.SetLineWidth(0.2)
	f.Rect(12.5, 12.5, pageW-25, pageH-25, "D")

	// The upper part is laid out first to measure it, then drawn lower
	// by half the room it leaves above the footer (at most 12 mm), so
	// that a short page does not end in a gap.
	// A crowded page (long title, name and course, many modules) is
	// first set tighter, and only in the tightest setting may the module
	// titles go below 8 points.
	p := &pen{Fpdf: f, dry: true}
	tight, minSize := 1.0, 8.0
	end, fits := drawBody(p, w, t, logo, footerRule-5, tight, minSize)
	for !fits && tight > 0.65 {
		tight -= 0.1
		if tight < 0.65 {
			minSize = 6
		}
		end, fits = drawBody(p, w, t, logo, footerRule-5, tight, minSize)
	}
	p.dry, p.dy = false, min(max(0, (footerRule-5-end)/2), 12)
	drawBody(p, w, t, logo, footerRule-5-p.dy, tight, minSize)

	// Footer: details on the left, QR code on the right.
	setDraw(f, colLine)
	f.SetLineWidth(0.25)
	f.Line(contentL, footerRule, contentR, footerRule)
	drawDetails(f, w, t, footerRule+8.5)
	drawQR(f, qr, contentR-qrSize, footerRule+5, qrSize)
	f.SetFont("go", "", 7)
	setText(f, colMuted)
	caption := w.verify + " " + t.verify
	f.SetFontSize(fitSize(f, caption, 150, 7, 4))
	f.Text(contentR-f.GetStringWidth(caption), footerRule+41.5, caption)
}

// pen draws on the page shifted down by dy, or only measures (dry).
type pen struct {
	*gofpdf.Fpdf
	dy  float64
	dry bool
}

// Text draws s at x, y+dy.
func (p *pen) Text(x, y float64, s string) {
	if !p.dry {
		p.Fpdf.Text(x, y+p.dy, s)
	}
}

// Rect draws a rectangle at x, y+dy.
func (p *pen) Rect(x, y, w, h float64, style string) {
	if !p.dry {
		p.Fpdf.Rect(x, y+p.dy, w, h, style)
	}
}

// Line draws a line, shifted by dy.
func (p *pen) Line(x1, y1, x2, y2 float64) {
	if !p.dry {
		p.Fpdf.Line(x1, y1+p.dy, x2, y2+p.dy)
	}
}

// ImageOptions draws a registered image at x, y+dy.
func (p *pen) ImageOptions(name string, x, y, w, h float64) {
	if !p.dry {
		p.Fpdf.ImageOptions(name, x, y+p.dy, w, h, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
}

// RawWriteStr writes to the content stream unless measuring.
func (p *pen) RawWriteStr(s string) {
	if !p.dry {
		p.Fpdf.RawWriteStr(s)
	}
}

// drawBody draws everything above the footer, the competences ending by
// the baseline maxY, and returns the last baseline and whether every
// competence fitted. tight (0.6 to 1) scales the gaps and the largest
// sizes of title and name down when the page is crowded; the competences
// may shrink to 8 points, or to minSize.
func drawBody(f *pen, w pdfWords, t pdfTexts, logo *pdfLogo, maxY, tight, minSize float64) (float64, bool) {
	const width = contentR - contentL
	k := tight
	// The organisation's logo, centred at the top, then its name in
	// spaced capitals.
	y := 32 - (1-k)*15
	if logo != nil {
		s := min(logoMaxW/logo.w, logoMaxH*k/logo.h) // fit the box, either way
		lw, lh := logo.w*s, logo.h*s
		f.ImageOptions(logo.name, (pageW-lw)/2, 19-(1-k)*5, lw, lh)
		y = 19 - (1-k)*5 + lh + 6.5*k
	}
	f.SetFont("go", "B", 10)
	setText(f.Fpdf, colBlue)
	y = spacedCenteredLines(f, y, t.issuerCaps, width, 0.9)

	// Title and a short accent rule.
	f.SetFont("go", "B", 28*k)
	lines, size := fitLines(f.Fpdf, t.title, width, fitStep{1, 28 * k, 20 * k}, fitStep{2, 22 * k, 14 * k})
	y = centeredLines(f, y+size*ptMM*1.25, size*ptMM*1.15, lines)
	setFill(f.Fpdf, colBlue)
	f.Rect(pageW/2-15, y+5*k, 30, 0.8, "F")

	// "This certifies that" / the holder / a line under the name.
	f.SetFont("go", "I", 12)
	setText(f.Fpdf, colMuted)
	y += 16 * k
	centered(f, y, w.intro)
	f.SetFont("go", "B", 32*k)
	lines, size = fitLines(f.Fpdf, t.holder, width, fitStep{1, 32 * k, 22 * k}, fitStep{2, 24 * k, 16 * k}, fitStep{3, 16 * k, 11 * k})
	setText(f.Fpdf, colInk)
	y = centeredLines(f, y+size*ptMM*1.15, size*ptMM*1.12, lines)
	setDraw(f.Fpdf, colLine)
	f.SetLineWidth(0.25)
	y += 5.5 * k
	f.Line(pageW/2-80, y, pageW/2+80, y)

	// "has passed the final exam of the course “X”." with the course
	// title in bold; then the course's scope.
	y = drawPassedLine(f, w, t.course, y+9.5*k)
	if t.scope != "" {
		f.SetFont("go", "", 10)
		setText(f.Fpdf, colMuted)
		y += 5.5
		centered(f, y, t.scope)
	}

	// Competences: label, then a two-column list in the room left.
	fits := true
	if len(t.competences) > 0 {
		f.SetFont("go", "B", 8)
		setText(f.Fpdf, colBlue)
		y += 10 * k
		y = spacedCenteredLines(f, y, strings.ToUpper(w.competences), width, 0.6)
		y, fits = drawCompetences(f, t.competences, y+6.5*k, maxY, minSize)
	}
	return y, fits
}

// spacedCenteredLines draws s centred with extra letter spacing of
// spacing points (PDF operator Tc), the first baseline at y, shrinking it
// down to 7 points and then wrapping it, and returns the last baseline.
func spacedCenteredLines(f *pen, y float64, s string, width, spacing float64) float64 {
	size, _ := f.GetFontSize()
	extra := func(s string) float64 { return spacing * ptMM * float64(utf8.RuneCountInString(s)) }
	lines := []string{s}
	f.SetFontSize(size)
	if f.GetStringWidth(s)+extra(s) > width {
		lines, size = fitLines(f.Fpdf, s, width*0.9, fitStep{1, size, 7}, fitStep{3, 8, 6})
	}
	f.SetFontSize(size)
	f.RawWriteStr(fmt.Sprintf("%.3f Tc", spacing))
	for i, l := range lines {
		tw := f.GetStringWidth(l) + extra(l) - spacing*ptMM
		f.Text((pageW-tw)/2, y+float64(i)*size*ptMM*1.3, l)
	}
	f.RawWriteStr("0 Tc")
	return y + float64(len(lines)-1)*size*ptMM*1.3
}

// drawPassedLine draws "has passed the final exam of the course “X”." on
// one line at 12 down to 10 points if it fits, else the words before the
// title on one line and the title (bold, wrapped) with the words after it
// below. It returns the last baseline.
func drawPassedLine(f *pen, w pdfWords, course string, y float64) float64 {
	const avail = contentR - contentL
	pre, post := w.passedPre+w.openQ, w.closeQ+w.passedPost
	widths := func(size float64) (float64, float64, float64) {
		f.SetFont("go", "", size)
		a, c := f.GetStringWidth(pre), f.GetStringWidth(post)
		f.SetFont("go", "B", size)
		return a, f.GetStringWidth(course), c
	}
	for size := 12.0; size >= 10; size -= 0.5 {
		a, b, c := widths(size)
		if a+b+c > avail {
			continue
		}
		x := (pageW - a - b - c) / 2
		setText(f.Fpdf, colInk)
		f.SetFont("go", "", size)
		f.Text(x, y, pre)
		f.SetFont("go", "B", size)
		f.Text(x+a, y, course)
		f.SetFont("go", "", size)
		f.Text(x+a+b, y, post)
		return y
	}
	const size, lead = 11.0, 11.0 * ptMM * 1.3
	setText(f.Fpdf, colInk)
	f.SetFont("go", "", size)
	centered(f, y, strings.TrimSpace(w.passedPre))
	f.SetFont("go", "B", size)
	_, _, c := widths(size)
	lines := balancedWrap(f.Fpdf, w.openQ+course, avail-c)
	for i, l := range lines {
		y += lead
		f.SetFont("go", "B", size)
		lw := f.GetStringWidth(l)
		if i < len(lines)-1 {
			centered(f, y, l)
			continue
		}
		x := (pageW - lw - c) / 2
		f.Text(x, y, l)
		f.SetFont("go", "", size)
		f.Text(x+lw, y, post)
	}
	return y
}

// drawCompetences lays the titles out in two columns, filled column by
// column, between the baselines y and maxY, each title wrapped in its
// column; the type shrinks down to minSize until all fit. It returns the
// last baseline and whether all fitted; if not, the last items are left
// out (drawBody then tries a tighter layout first).
func drawCompetences(f *pen, items []string, y, maxY, minSize float64) (float64, bool) {
	const gap = 17.0
	cols := 2
	if len(items) == 1 {
		cols = 1
	}
	colW := (contentR - contentL - gap*float64(cols-1)) / float64(cols)
	if cols == 1 {
		colW = 130
	}
	f.SetFont("go", "", 10)
	var (
		size, lead, space float64
		wrapped           [][]string
		split             int
		fits              bool
	)
	for size = 10.0; size >= minSize; size -= 0.5 {
		f.SetFontSize(size)
		lead, space = size*ptMM*1.3, size*ptMM*0.45
		wrapped = wrapped[:0]
		for _, s := range items {
			wrapped = append(wrapped, wrapText(f.Fpdf, s, colW-4))
		}
		split, fits = splitColumns(wrapped, cols, lead, space, maxY-y)
		if fits {
			break
		}
	}
	size = max(size, minSize)
	f.SetFontSize(size)
	// Each column as wide as its widest line, the pair centred.
	var colWs [2]float64
	for i, lines := range wrapped {
		col := 0
		if i >= split {
			col = 1
		}
		for _, l := range lines {
			colWs[col] = max(colWs[col], f.GetStringWidth(l)+4)
		}
	}
	left := (pageW - colWs[0] - colWs[1] - gap*float64(cols-1)) / 2
	colX := [2]float64{left, left + colWs[0] + gap}
	by, last := y, y
	for i, lines := range wrapped {
		col := 0
		if i >= split {
			col = 1
		}
		if i == split {
			by = y
		}
		if by+float64(len(lines)-1)*lead > maxY+0.01 {
			continue // more than fits even at 6 points
		}
		x := colX[col]
		setFill(f.Fpdf, colBlue)
		f.Rect(x, by-size*0.35*ptMM-0.7, 1.4, 1.4, "F")
		setText(f.Fpdf, colInk)
		for j, l := range lines {
			f.Text(x+4, by+float64(j)*lead, l)
		}
		last = max(last, by+float64(len(lines)-1)*lead)
		by += float64(len(lines))*lead + space
	}
	return last, fits
}

// splitColumns returns the index of the first item in the second column
// that makes the columns' heights most equal, and whether both fit into
// height (from the first baseline to the last).
func splitColumns(items [][]string, cols int, lead, space, height float64) (int, bool) {
	colH := func(part [][]string) float64 {
		h := -lead
		for _, l := range part {
			h += float64(len(l))*lead + space
		}
		return h - space
	}
	if cols == 1 {
		return len(items), colH(items) <= height+0.01
	}
	best, bestH := 0, math.Inf(1)
	for s := (len(items) + 1) / 2; s >= 1; s-- {
		if h := max(colH(items[:s]), colH(items[s:])); h < bestH-0.01 {
			best, bestH = s, h
		}
	}
	for s := (len(items)+1)/2 + 1; s < len(items); s++ {
		if h := max(colH(items[:s]), colH(items[s:])); h < bestH-0.01 {
			best, bestH = s, h
		}
	}
	return best, bestH <= height+0.01
}

func drawDetails(f *gofpdf.Fpdf, w pdfWords, t pdfTexts, y float64) {
	const width = 150.0
	setText(f, colInk)
	f.SetFont("go", "B", 10.5)
	lines, size := fitLines(f, t.dates, width, fitStep{1, 10.5, 7}, fitStep{2, 8, 7})
	f.SetFontSize(size)
	for i, l := range lines {
		f.Text(contentL, y+float64(i)*size*ptMM*1.2, l)
	}
	y += float64(len(lines)-1) * size * ptMM * 1.2

	// Labels in a column, values aligned after the longest label and
	// wrapped in their column.
	f.SetFont("go", "", 8.5)
	labelW := max(f.GetStringWidth(w.issuer), f.GetStringWidth(w.id), f.GetStringWidth(w.version)) + 4
	y += 7
	row := func(name, value, family string) {
		f.SetFont("go", "", 8.5)
		setText(f, colMuted)
		f.Text(contentL, y, name)
		f.SetFont(family, "", 8.5)
		setText(f, colInk)
		lines, size := fitLines(f, value, width-labelW, fitStep{1, 8.5, 7}, fitStep{2, 8, 6.5}, fitStep{3, 6.5, 5})
		f.SetFontSize(size)
		for i, l := range lines {
			f.Text(contentL+labelW, y+float64(i)*size*ptMM*1.25, l)
		}
		y += float64(len(lines)-1)*size*ptMM*1.25 + 4.5
	}
	issuer := t.issuer
	if t.url != "" {
		issuer += " · " + t.url
	}
	row(w.issuer, issuer, "go")
	row(w.id, t.id, "gomono")
	if t.version != "" {
		row(w.version, t.version, "gomono")
	}

	f.SetFont("go", "I", 7.5)
	setText(f, colMuted)
	for i, l := range wrapText(f, w.note, width) {
		f.Text(contentL, y+3.5+float64(i)*3.4, l)
	}
}

// drawQR draws the code's dark modules as one filled path (no seams
// between neighbouring modules) in a square of side size at x, y. The
// quiet zone is the empty page around it.
func drawQR(f *gofpdf.Fpdf, qr *qrcode.QRCode, x, y, size float64) {
	bm := qr.Bitmap()
	n := len(bm)
	if n == 0 {
		return
	}
	m := size / float64(n)
	k := f.GetConversionRatio()
	var b strings.Builder
	b.WriteString("q 0 0 0 rg\n")
	for r, row := range bm {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			fmt.Fprintf(&b, "%.3f %.3f %.3f %.3f re\n",
				(x+float64(start)*m)*k, (pageH-y-float64(r+1)*m)*k, float64(c-start)*m*k, m*k)
		}
	}
	b.WriteString("f Q")
	f.RawWriteStr(b.String())
}

// pdfPageObject finds the page object in gofpdf's output.
var pdfPageObject = regexp.MustCompile(`\n(\d+) 0 obj\n<</Type /Page\n`)

// pdfEdit replaces the first occurrence of old with new.
type pdfEdit struct{ old, new string }

// patchPDF applies edits to a PDF with a classic cross-reference table
// (as gofpdf writes it) and moves the xref offsets and startxref to match.
// Each old string must occur exactly once before the xref table.
func patchPDF(doc []byte, edits []pdfEdit) ([]byte, error) {
	xrefAt := bytes.LastIndex(doc, []byte("\nxref\n"))
	if xrefAt < 0 {
		return nil, errors.New("patch pdf: no xref table")
	}
	xrefAt++
	body := doc[:xrefAt]
	type hit struct {
		at    int
		old   int
		new   string
		delta int
	}
	hits := make([]hit, 0, len(edits))
	for _, e := range edits {
		i := bytes.Index(body, []byte(e.old))
		if i < 0 || bytes.Contains(body[i+1:], []byte(e.old)) {
			return nil, fmt.Errorf("patch pdf: %q must occur exactly once", e.old)
		}
		hits = append(hits, hit{i, len(e.old), e.new, len(e.new) - len(e.old)})
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].at < hits[b].at })
	shift := func(off int) int {
		d := 0
		for _, h := range hits {
			if h.at < off {
				d += h.delta
			}
		}
		return d
	}

	var out bytes.Buffer
	out.Grow(len(doc) + 512)
	prev := 0
	for _, h := range hits {
		if h.at < prev {
			return nil, errors.New("patch pdf: overlapping edits")
		}
		out.Write(body[prev:h.at])
		out.WriteString(h.new)
		prev = h.at + h.old
	}
	out.Write(body[prev:])

	// xref\n0 N\n then N entries of 20 bytes, then the trailer.
	rest := doc[xrefAt:]
	lines := strings.SplitN(string(rest), "\n", 3)
	if len(lines) < 3 || lines[0] != "xref" {
		return nil, errors.New("patch pdf: bad xref table")
	}
	var first, count int
	if _, err := fmt.Sscanf(lines[1], "%d %d", &first, &count); err != nil || first != 0 {
		return nil, errors.New("patch pdf: bad xref subsection")
	}
	entries := lines[2]
	if len(entries) < 20*count {
		return nil, errors.New("patch pdf: short xref table")
	}
	out.WriteString("xref\n" + lines[1] + "\n")
	for i := 0; i < count; i++ {
		e := entries[20*i : 20*i+20]
		if e[17] != 'n' {
			out.WriteString(e)
			continue
		}
		off, err := strconv.Atoi(e[:10])
		if err != nil {
			return nil, errors.New("patch pdf: bad xref entry")
		}
		fmt.Fprintf(&out, "%010d%s", off+shift(off), e[10:])
	}
	trailer := entries[20*count:]
	sx := strings.LastIndex(trailer, "startxref\n")
	if sx < 0 {
		return nil, errors.New("patch pdf: no startxref")
	}
	out.WriteString(trailer[:sx])
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xrefAt+shift(xrefAt))
	return out.Bytes(), nil
}

// minutesFor returns m[lang], else the value for the other language.
func minutesFor(m map[string]int, lang string) int {
	if v := m[lang]; v > 0 {
		return v
	}
	for _, l := range []string{"de", "en"} {
		if v := m[l]; v > 0 {
			return v
		}
	}
	return 0
}

// The Go fonts draw U+002D HYPHEN-MINUS as a wide minus sign (they are
// made for code), so "Ångström-Łukasiewicz" looked like a dash. Their
// soft hyphen U+00AD has the true hyphen glyph. withTrueHyphen returns a
// copy of the font in which U+002D uses that glyph's outline and metrics:
// the text keeps the ordinary "-" (copying and searching work), only the
// shape changes. Should the font not have the expected layout, it is
// returned unchanged.
func withTrueHyphen(ttf []byte) []byte {
	out := bytes.Clone(ttf)
	font, err := sfnt.Parse(ttf)
	if err != nil {
		return out
	}
	var buf sfnt.Buffer
	minus, err1 := font.GlyphIndex(&buf, '-')
	hyphen, err2 := font.GlyphIndex(&buf, '\u00ad')
	if err1 != nil || err2 != nil || minus == 0 || hyphen == 0 {
		return out
	}
	tables := map[string][]byte{}
	if len(out) < 12 {
		return out
	}
	n := int(binary.BigEndian.Uint16(out[4:]))
	for i := 0; i < n && 12+16*i+16 <= len(out); i++ {
		rec := out[12+16*i:]
		off, l := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || l < 0 || off+l > len(out) {
			return bytes.Clone(ttf)
		}
		tables[string(rec[:4])] = out[off : off+l]
	}
	head, loca, glyf, hhea, hmtx := tables["head"], tables["loca"], tables["glyf"], tables["hhea"], tables["hmtx"]
	if len(head) < 54 || len(hhea) < 36 {
		return out
	}
	long := binary.BigEndian.Uint16(head[50:]) == 1
	at := func(g int) (int, bool) {
		if long {
			if 4*g+4 > len(loca) {
				return 0, false
			}
			return int(binary.BigEndian.Uint32(loca[4*g:])), true
		}
		if 2*g+2 > len(loca) {
			return 0, false
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*g:])), true
	}
	m, h := int(minus), int(hyphen)
	m0, ok1 := at(m)
	m1, ok2 := at(m + 1)
	h0, ok3 := at(h)
	h1, ok4 := at(h + 1)
	metrics := int(binary.BigEndian.Uint16(hhea[34:]))
	if !ok1 || !ok2 || !ok3 || !ok4 || m1 > len(glyf) || h1 > len(glyf) || m0 > m1 || h0 > h1 ||
		h1-h0 > m1-m0 || m >= metrics || h >= metrics || 4*metrics > len(hmtx) {
		return out
	}
	// The glyph is copied into the minus sign's slot, the rest of the
	// slot zeroed (the outline's own counts say where it ends).
	dst := glyf[m0:m1]
	clear(dst[copy(dst, glyf[h0:h1]):])
	copy(hmtx[4*m:4*m+4], hmtx[4*h:4*h+4])
	return out
}

// pdfLogo is the registered logo image and its natural size in mm.
type pdfLogo struct {
	name string
	w, h float64
}

// MaxLogoBytes and MaxLogoPixels bound the logo: a file and an image of
// this size is far more than a 6 cm wide print needs.
const (
	MaxLogoBytes  = 1 << 20
	MaxLogoPixels = 4096
)

// ErrLogoUnsupported: the logo is not a PNG, JPEG or SVG image kipass can
// draw on the PDF.
var ErrLogoUnsupported = errors.New("certificates: the logo must be a PNG, JPEG or SVG image")

// CheckLogo reports whether b is a logo RenderPDF draws: a PNG or JPEG of
// at most MaxLogoBytes and MaxLogoPixels on each side, or an SVG without
// scripts or references that the rasteriser can draw whole. A settings page can
// call it on upload; RenderPDF leaves out a logo that fails it.
func CheckLogo(b []byte) error {
	_, _, _, err := normaliseLogo(b)
	return err
}

// normaliseLogo decodes a PNG or JPEG logo and encodes it again as an
// 8-bit non-interlaced PNG, which is what gofpdf can embed (it refuses
// 16-bit and interlaced PNGs), and returns it with its size in mm at
// 300 dpi.
func normaliseLogo(b []byte) ([]byte, float64, float64, error) {
	if len(b) == 0 {
		return nil, 0, 0, ErrLogoUnsupported
	}
	if len(b) > MaxLogoBytes {
		return nil, 0, 0, fmt.Errorf("%w: larger than %d bytes", ErrLogoUnsupported, MaxLogoBytes)
	}
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch {
	case isSVG(b):
		img, err := rasteriseSVG(b)
		if err != nil {
			return nil, 0, 0, err
		}
		decode = func(io.Reader) (image.Image, error) { return img, nil }
		config = func(io.Reader) (image.Config, error) {
			return image.Config{Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}, nil
		}
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		decode, config = png.Decode, png.DecodeConfig
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		decode, config = jpeg.Decode, jpeg.DecodeConfig
	default:
		return nil, 0, 0, ErrLogoUnsupported
	}
	cfg, err := config(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %v", ErrLogoUnsupported, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoPixels || cfg.Height > MaxLogoPixels {
		return nil, 0, 0, fmt.Errorf("%w: %dx%d pixels", ErrLogoUnsupported, cfg.Width, cfg.Height)
	}
	img, err := decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %v", ErrLogoUnsupported, err)
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var out bytes.Buffer
	if err := png.Encode(&out, rgba); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %v", ErrLogoUnsupported, err)
	}
	const mmPerPixel = 25.4 / 300
	return out.Bytes(), float64(cfg.Width) * mmPerPixel, float64(cfg.Height) * mmPerPixel, nil
}
