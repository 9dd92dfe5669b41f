package certificates

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
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
}

func wordsFor(lang string) (pdfWords, bool) {
	switch lang {
	case "de":
		return pdfWords{
			title:       "Zertifikat",
			course:      "KI am Arbeitsplatz",
			intro:       "Hiermit wird bestätigt, dass",
			passedPre:   "die Abschlussprüfung des Kurses ",
			passedPost:  " bestanden hat.",
			competences: "Behandelte Kompetenzen",
			issued:      "Ausgestellt am %s",
			validUntil:  " · gültig bis %s",
			issuer:      "Aussteller",
			id:          "Zertifikats-ID",
			version:     "Inhaltsversion",
			note: "Dieses Dokument ist digital signiert und enthält den Nachweis zusätzlich " +
				"als maschinenlesbares Verifiable Credential (Anhang " + CredentialFileName + ").",
			verify:     "Echtheit prüfen:",
			subject:    "Nachweis über die bestandene Abschlussprüfung des Kurses „%s“, Zertifikats-ID %s",
			attachment: "Verifiable Credential (W3C VC / Open Badges 3.0, JWS mit ES256) zu diesem Zertifikat",
			date: func(t time.Time) string {
				return t.Format("02.01.2006")
			},
			openQ: "„", closeQ: "“",
			competenceDefault: "Kompetenz",
		}, true
	case "en":
		return pdfWords{
			title:       "Certificate",
			course:      "AI in the workplace",
			intro:       "This certifies that",
			passedPre:   "has passed the final exam of the course ",
			passedPost:  ".",
			competences: "Competences covered",
			issued:      "Issued %s",
			validUntil:  " · valid until %s",
			issuer:      "Issuer",
			id:          "Certificate ID",
			version:     "Content version",
			note: "This document is digitally signed and also carries the certificate as a " +
				"machine-readable verifiable credential (attachment " + CredentialFileName + ").",
			verify:     "Verify:",
			subject:    "Proof of the passed final exam of the course “%s”, certificate ID %s",
			attachment: "Verifiable credential (W3C VC / Open Badges 3.0, JWS with ES256) for this certificate",
			date: func(t time.Time) string {
				return strconv.Itoa(t.Day()) + " " + t.Month().String() + " " + strconv.Itoa(t.Year())
			},
			openQ: "“", closeQ: "”",
			competenceDefault: "Competence",
		}, true
	}
	return pdfWords{}, false
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
// "en") as a one-page A4 landscape PDF and embeds credentialJWT as the
// attachment credential.jwt (none if credentialJWT is empty). The output
// depends only on the arguments: the same input gives the same bytes
// (creation date = c.IssuedAt). Dates are shown in the location of
// c.IssuedAt and c.ExpiresAt. Text the fonts cannot draw goes through
// SafeText, so any holder name renders. The result is not yet signed; see
// SignPDF.
func RenderPDF(c Certificate, iss Issuer, lang string, credentialJWT string) ([]byte, error) {
	w, ok := wordsFor(lang)
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
	f.AddUTF8FontFromBytes("go", "", bytes.Clone(goregular.TTF))
	f.AddUTF8FontFromBytes("go", "B", bytes.Clone(gobold.TTF))
	f.AddUTF8FontFromBytes("go", "I", bytes.Clone(goitalic.TTF))
	f.AddUTF8FontFromBytes("gomono", "", bytes.Clone(gomono.TTF))
	if credentialJWT != "" {
		f.SetAttachments([]gofpdf.Attachment{{
			Content:     []byte(credentialJWT),
			Filename:    CredentialFileName,
			Description: w.attachment,
		}})
	}
	f.AddPage()
	drawCertificate(f, w, t, qr)

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
	title, holder, course, issuer, issuerCaps, url, id, version, verify, dates string
	competences                                                                []string
}

func setDraw(f *gofpdf.Fpdf, c int) { f.SetDrawColor(c>>16, c>>8&0xff, c&0xff) }
func setFill(f *gofpdf.Fpdf, c int) { f.SetFillColor(c>>16, c>>8&0xff, c&0xff) }
func setText(f *gofpdf.Fpdf, c int) { f.SetTextColor(c>>16, c>>8&0xff, c&0xff) }

// fitSize returns the largest font size from size down to minSize at which
// s fits into width, and s shortened with "…" if it does not fit even at
// minSize. The font family and style must already be set.
func fitSize(f *gofpdf.Fpdf, s string, width, size, minSize float64) (string, float64) {
	f.SetFontSize(size)
	sw := f.GetStringWidth(s)
	if sw <= width {
		return s, size
	}
	size = max(minSize, math.Floor(size*width/sw*10)/10)
	f.SetFontSize(size)
	if f.GetStringWidth(s) <= width {
		return s, size
	}
	r := []rune(s)
	for len(r) > 1 && f.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + "…", size
}

// centered draws s centred on the page with its baseline at y.
func centered(f *gofpdf.Fpdf, y float64, s string) {
	f.Text((pageW-f.GetStringWidth(s))/2, y, s)
}

func drawCertificate(f *gofpdf.Fpdf, w pdfWords, t pdfTexts, qr *qrcode.QRCode) {
	// Frame: a firm outer rule and a hairline inside it.
	setDraw(f, colBlue)
	f.SetLineWidth(0.7)
	f.Rect(10, 10, pageW-20, pageH-20, "D")
	f.SetLineWidth(0.2)
	f.Rect(12.5, 12.5, pageW-25, pageH-25, "D")

	// Issuing organisation above the title, in spaced capitals.
	f.SetFont("go", "B", 10)
	setText(f, colBlue)
	spacedCentered(f, 32, t.issuerCaps, contentR-contentL, 0.9)

	// Title and a short accent rule.
	f.SetFont("go", "B", 28)
	title, _ := fitSize(f, t.title, contentR-contentL, 28, 16)
	centered(f, 49, title)
	setFill(f, colBlue)
	f.Rect(pageW/2-15, 55, 30, 0.8, "F")

	// "This certifies that" / the holder / a line under the name.
	f.SetFont("go", "B", 32)
	lines, size := holderLines(f, t.holder)
	f.SetFont("go", "I", 12)
	setText(f, colMuted)
	introY := 71.0
	if len(lines) > 1 {
		introY = 68.5
	}
	centered(f, introY, w.intro)
	f.SetFont("go", "B", size)
	setText(f, colInk)
	for i, l := range lines {
		centered(f, 88-float64(len(lines)-1-i)*size*0.3528*1.18, l)
	}
	setDraw(f, colLine)
	f.SetLineWidth(0.25)
	f.Line(pageW/2-80, 93.5, pageW/2+80, 93.5)

	// "has passed the final exam of the course “X”." with the course
	// title in bold, centred as one line.
	drawPassedLine(f, w, t.course, 103.5)

	// Competences: label, then a two-column list.
	if len(t.competences) > 0 {
		f.SetFont("go", "B", 8)
		setText(f, colBlue)
		spacedCentered(f, 118, strings.ToUpper(w.competences), contentR-contentL, 0.6)
		drawCompetences(f, t.competences, 125, 145)
	}

	// Footer: details on the left, QR code on the right.
	setDraw(f, colLine)
	f.SetLineWidth(0.25)
	f.Line(contentL, 152, contentR, 152)
	drawDetails(f, w, t, 160.5)
	drawQR(f, qr, contentR-qrSize, 157, qrSize)
	f.SetFont("go", "", 7)
	setText(f, colMuted)
	caption, _ := fitSize(f, w.verify+" "+t.verify, 150, 7, 5)
	f.Text(contentR-f.GetStringWidth(caption), 193.5, caption)
}

// spacedCentered draws s centred at baseline y with extra letter spacing
// of spacing points (PDF operator Tc), shrinking it to fit width.
func spacedCentered(f *gofpdf.Fpdf, y float64, s string, width, spacing float64) {
	n := float64(utf8.RuneCountInString(s))
	extra := func() float64 { return spacing / f.GetConversionRatio() * n }
	size, _ := f.GetFontSize()
	s, size = fitSize(f, s, width-extra(), size, 6)
	f.SetFontSize(size)
	tw := f.GetStringWidth(s) + extra() - spacing/f.GetConversionRatio()
	f.RawWriteStr(fmt.Sprintf("%.3f Tc", spacing))
	f.Text((pageW-tw)/2, y, s)
	f.RawWriteStr("0 Tc")
}

// holderLines fits the holder's name into one line at up to 32 pt, or,
// if that would need less than 20 pt, into two lines (split at the space
// that balances them best) at up to 22 pt. The bold font must be set.
func holderLines(f *gofpdf.Fpdf, name string) ([]string, float64) {
	const width = contentR - contentL
	one, size := fitSize(f, name, width, 32, 10)
	if size >= 20 || !strings.Contains(name, " ") {
		return []string{one}, size
	}
	f.SetFontSize(22)
	best, bestW := 0, math.Inf(1)
	for i, r := range name {
		if r != ' ' {
			continue
		}
		if w := max(f.GetStringWidth(name[:i]), f.GetStringWidth(name[i+1:])); w < bestW {
			best, bestW = i, w
		}
	}
	l1, l2 := name[:best], name[best+1:]
	wide := l1
	if f.GetStringWidth(l2) > f.GetStringWidth(l1) {
		wide = l2
	}
	_, size = fitSize(f, wide, width, 22, 10)
	l1, _ = fitSize(f, l1, width, size, size)
	l2, _ = fitSize(f, l2, width, size, size)
	return []string{l1, l2}, size
}

func drawPassedLine(f *gofpdf.Fpdf, w pdfWords, course string, y float64) {
	pre, post := w.passedPre+w.openQ, w.closeQ+w.passedPost
	size := 12.0
	width := func() (float64, float64, float64) {
		f.SetFont("go", "", size)
		a, c := f.GetStringWidth(pre), f.GetStringWidth(post)
		f.SetFont("go", "B", size)
		return a, f.GetStringWidth(course), c
	}
	a, b, c := width()
	if avail := contentR - contentL; a+b+c > avail {
		size = max(8, size*avail/(a+b+c))
		a, b, c = width()
		if a+b+c > avail {
			course, _ = fitSize(f, course, avail-a-c, size, size)
			a, b, c = width()
		}
	}
	x := (pageW - a - b - c) / 2
	setText(f, colInk)
	f.SetFont("go", "", size)
	f.Text(x, y, pre)
	f.SetFont("go", "B", size)
	f.Text(x+a, y, course)
	f.SetFont("go", "", size)
	f.Text(x+a+b, y, post)
}

// drawCompetences lays the titles out in two columns, filled column by
// column, between y and maxY (baselines), shrinking the type if there are
// many.
func drawCompetences(f *gofpdf.Fpdf, items []string, y, maxY float64) {
	const colW, gap = 92.0, 14.0
	rows := (len(items) + 1) / 2
	size, lead := 10.0, 5.6
	if avail := maxY - y; float64(rows-1)*lead > avail {
		lead = max(3.2, avail/float64(max(rows-1, 1)))
		size = min(size, lead*2.83*0.8/1.0)
	}
	left := (pageW - 2*colW - gap) / 2
	if len(items) == 1 {
		left = (pageW - colW) / 2
	}
	for i, s := range items {
		row, col := i%rows, i/rows
		by := y + float64(row)*lead
		if by > maxY+0.01 {
			continue // more items than fit: the credential lists them all
		}
		x := left + float64(col)*(colW+gap)
		setFill(f, colBlue)
		f.Rect(x, by-size*0.35*0.3528-0.7, 1.4, 1.4, "F")
		f.SetFont("go", "", size)
		setText(f, colInk)
		s, _ = fitSize(f, s, colW-4, size, size)
		f.Text(x+4, by, s)
	}
}

func drawDetails(f *gofpdf.Fpdf, w pdfWords, t pdfTexts, y float64) {
	const width = 150.0
	setText(f, colInk)
	f.SetFont("go", "B", 10.5)
	dates, _ := fitSize(f, t.dates, width, 10.5, 7)
	f.Text(contentL, y, dates)

	// Labels in a column, values aligned after the longest label.
	f.SetFont("go", "", 8.5)
	labelW := max(f.GetStringWidth(w.issuer), f.GetStringWidth(w.id), f.GetStringWidth(w.version)) + 4
	row := func(y float64, name, value, family string) {
		f.SetFont("go", "", 8.5)
		setText(f, colMuted)
		f.Text(contentL, y, name)
		f.SetFont(family, "", 8.5)
		setText(f, colInk)
		v, _ := fitSize(f, value, width-labelW, 8.5, 5.5)
		f.Text(contentL+labelW, y, v)
	}
	issuer := t.issuer
	if t.url != "" {
		issuer += " · " + t.url
	}
	row(y+7, w.issuer, issuer, "go")
	row(y+11.5, w.id, t.id, "gomono")
	if t.version != "" {
		row(y+16, w.version, t.version, "gomono")
	}

	f.SetFont("go", "I", 7.5)
	setText(f, colMuted)
	for i, l := range f.SplitText(w.note, width) {
		f.Text(contentL, y+24+float64(i)*3.4, l)
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
