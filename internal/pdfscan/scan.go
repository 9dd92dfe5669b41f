// Package pdfscan verifies the PDF signature of an uploaded file and reads
// one embedded file from it, without trusting the upload.
//
// The order of the work is the defence: Verify first does what costs no
// more than one pass over the bytes (find the signature dictionary's
// /ByteRange from the end, check that it covers the whole file, read the
// CMS signature in the gap, hash the signed bytes, ask the caller whether
// the signing key is trusted). Only a file that a trusted key signed, byte
// for byte, has its object tree parsed, and that parse runs within Limits.
// A hostile file (nested arrays, huge xref tables, endless objects) is
// turned away before any of that tree is built, at a cost proportional to
// its size.
package pdfscan

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors of Verify. Each says what is wrong with the file; none is an
// internal failure.
var (
	// ErrTooLarge: the file is larger than Limits.MaxSize.
	ErrTooLarge = errors.New("pdfscan: PDF too large")
	// ErrNotPDF: the file does not start with a PDF header.
	ErrNotPDF = errors.New("pdfscan: not a PDF file")
	// ErrNotSigned: the file has no signature dictionary with a byte range.
	ErrNotSigned = errors.New("pdfscan: the PDF is not signed")
	// ErrSignature: there is a signature, but it does not cover the whole
	// file, is not a valid CMS signature, or the file changed after signing.
	ErrSignature = errors.New("pdfscan: the signature is invalid")
	// ErrUntrusted: the signature is intact, but the caller does not trust
	// the key that made it.
	ErrUntrusted = errors.New("pdfscan: not signed by a trusted key")
	// ErrMalformed: signed by a trusted key, but the file is damaged or
	// built in a way this reader does not accept (cross-reference streams,
	// encryption, more than one signature, over the Limits, ...).
	ErrMalformed = errors.New("pdfscan: malformed or unsupported PDF")
	// ErrNoFile: the signed file carries no embedded file of that name.
	ErrNoFile = errors.New("pdfscan: no such embedded file")
)

// Limits bound what one file may cost. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	MaxSize     int // bytes of the whole file
	MaxObjects  int // highest object number in the cross-reference tables
	MaxDepth    int // nesting of arrays, dictionaries and objects
	MaxTokens   int // tokens lexed in the whole file
	MaxFileSize int // bytes of the decoded embedded file
}

// DefaultLimits fit a kipass certificate many times over: it is about
// 60 kB, with some 40 objects and 2,000 tokens.
func DefaultLimits() Limits {
	return Limits{MaxSize: 5 << 20, MaxObjects: 20000, MaxDepth: 32, MaxTokens: 200_000, MaxFileSize: 256 << 10}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	return Limits{pick(l.MaxSize, d.MaxSize), pick(l.MaxObjects, d.MaxObjects), pick(l.MaxDepth, d.MaxDepth),
		pick(l.MaxTokens, d.MaxTokens), pick(l.MaxFileSize, d.MaxFileSize)}
}

// Signer is who made a PDF signature, as read from the CMS structure.
type Signer struct {
	Key      *ecdsa.PublicKey  // the P-256 key of the signing certificate
	Cert     *x509.Certificate // the signing certificate, bound to the signature by ESS
	SignedAt time.Time         // the signing time the signer claims: /M of the signature, else the CMS signing-time
}

// Result is what Verify found.
type Result struct {
	Signer Signer
	File   []byte // the embedded file asked for
}

// Trust decides whether a signer is one the caller trusts; a non-nil error
// makes Verify answer ErrUntrusted, wrapping that error too.
type Trust func(Signer) error

// Verify checks that pdf is signed, as a whole, by a signer that trust
// accepts, and returns the embedded file called name. The signature is
// checked strictly: one ECDSA P-256 signer over SHA-256 in a detached CMS
// SignedData, the signing certificate bound by ESS signing-certificate-v2,
// a /ByteRange [0 a b c] whose gap is exactly the /Contents hex string and
// whose end is the end of the file (only white space may follow %%EOF).
// Errors are the Err* values above, wrapped with detail. Once the
// signature is known to be good the Result is returned even if the error
// is ErrNoFile or ErrMalformed for a damaged embedded file. Verify never
// panics.
func Verify(pdf []byte, trust Trust, name string, lim Limits) (res *Result, err error) {
	lim = lim.withDefaults()
	if len(pdf) > lim.MaxSize {
		return nil, ErrTooLarge
	}
	if !headerOK(pdf) {
		return nil, ErrNotPDF
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()

	// 1. The cheap part: one pass over the bytes, no object tree.
	sig, err := scanSignature(pdf)
	if err != nil {
		return nil, err
	}
	cms, p := pdfParseCMS(sig.der)
	if p != "" {
		return nil, fmt.Errorf("%w: %s", ErrSignature, p)
	}
	signer := Signer{Key: cms.key, Cert: cms.signer, SignedAt: cms.signingTime}
	if err := trust(signer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	h := sha256.New()
	h.Write(pdf[:sig.gapStart])
	h.Write(pdf[sig.gapEnd:sig.end])
	if !bytes.Equal(h.Sum(nil), cms.digest) {
		return nil, fmt.Errorf("%w: the document was changed after signing", ErrSignature)
	}

	// 2. Signed by a trusted key as a whole: now read the structure, within
	// the limits, and make sure the dictionary scanned above is the file's
	// one and only signature.
	f, err := parsePDF(pdf[:sig.end], lim)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := f.checkSignatureDict(sig); err != nil {
		return nil, err
	}
	res = &Result{Signer: signer}
	if t, ok := f.signingTime(); ok {
		res.Signer.SignedAt = t
	}
	file, err := f.embeddedFile(name, lim.MaxFileSize)
	if err != nil {
		return res, err
	}
	res.File = file
	return res, nil
}

// headerOK: "%PDF-1.0" to "%PDF-1.7" or "%PDF-2.0" at offset 0, as
// digitorus/pdf requires.
func headerOK(b []byte) bool {
	if len(b) < 8 || !bytes.HasPrefix(b, []byte("%PDF-")) {
		return false
	}
	return (b[5] == '1' && b[6] == '.' && b[7] >= '0' && b[7] <= '7') ||
		(b[5] == '2' && b[6] == '.' && b[7] == '0')
}

// scanned is the signature as found by scanSignature.
type scanned struct {
	byteRange        [4]int
	gapStart, gapEnd int // the /Contents hex string, from '<' to after '>'
	end              int // end of the signed bytes; only white space after it
	der              []byte
}

// scanSignature finds the last /ByteRange in the file and checks it
// without parsing anything else: [0 a b c] with a < b, the gap a..b one
// hex string, and b+c the end of the file but for trailing white space
// after %%EOF. It returns the DER of the CMS signature in the gap.
func scanSignature(pdf []byte) (*scanned, error) {
	at := bytes.LastIndex(pdf, []byte("/ByteRange"))
	if at < 0 {
		return nil, ErrNotSigned
	}
	s := &scanned{}
	p := at + len("/ByteRange")
	skip := func() {
		for p < len(pdf) && pdfIsSpace(pdf[p]) {
			p++
		}
	}
	skip()
	if p >= len(pdf) || pdf[p] != '[' {
		return nil, fmt.Errorf("%w: no valid byte range", ErrSignature)
	}
	p++
	for i := range s.byteRange {
		skip()
		q := p
		for p < len(pdf) && p-q < 10 && pdf[p] >= '0' && pdf[p] <= '9' {
			p++
		}
		n, err := strconv.Atoi(string(pdf[q:p]))
		if err != nil || n > len(pdf) {
			return nil, fmt.Errorf("%w: no valid byte range", ErrSignature)
		}
		s.byteRange[i] = n
	}
	skip()
	if p >= len(pdf) || pdf[p] != ']' {
		return nil, fmt.Errorf("%w: no valid byte range", ErrSignature)
	}
	br := s.byteRange
	s.gapStart, s.gapEnd, s.end = br[1], br[2], br[2]+br[3]
	if br[0] != 0 || s.gapStart <= 0 || s.gapEnd <= s.gapStart+1 || s.end > len(pdf) {
		return nil, fmt.Errorf("%w: no valid byte range", ErrSignature)
	}
	if s.end < len(pdf) {
		// Only white space may follow, after the signed %%EOF: a line end
		// added in transfer changes nothing a reader sees; anything else
		// is an update the signature does not cover.
		for _, c := range pdf[s.end:] {
			if !pdfIsSpace(c) || c == 0 {
				return nil, fmt.Errorf("%w: the signature does not cover the whole document", ErrSignature)
			}
		}
		if !bytes.HasSuffix(bytes.TrimRight(pdf[:s.end], " \t\r\n\f"), []byte("%%EOF")) {
			return nil, fmt.Errorf("%w: the signature does not cover the whole document", ErrSignature)
		}
	}
	if pdf[s.gapStart] != '<' || pdf[s.gapEnd-1] != '>' {
		return nil, fmt.Errorf("%w: the signature does not cover the whole document", ErrSignature)
	}
	hex := pdf[s.gapStart+1 : s.gapEnd-1]
	if len(hex)%2 != 0 {
		return nil, fmt.Errorf("%w: the signature value is not hex", ErrSignature)
	}
	raw := make([]byte, len(hex)/2)
	for i := range raw {
		hi, lo := pdfUnhex(hex[2*i]), pdfUnhex(hex[2*i+1])
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("%w: the signature value is not hex", ErrSignature)
		}
		raw[i] = byte(hi<<4 | lo)
	}
	der, p2 := pdfSignatureDER(raw)
	if p2 != "" {
		return nil, fmt.Errorf("%w: %s", ErrSignature, p2)
	}
	s.der = der
	return s, nil
}

// checkSignatureDict makes sure the parsed file has exactly one signature
// dictionary (found as pdfsign's verifier finds them: /Filter
// /Adobe.PPKLite) and that it is the one scanSignature read: the same
// /ByteRange, its /Contents exactly in the gap.
func (f *pdfFile) checkSignatureDict(s *scanned) error {
	var sigs []pdfDict
	for _, def := range f.objects {
		if d := f.dict(def.obj); d != nil && f.resolve(d["Filter"]) == pdfName("Adobe.PPKLite") {
			sigs = append(sigs, d)
		}
	}
	switch {
	case len(sigs) == 0:
		return fmt.Errorf("%w: the byte range is not in a signature dictionary", ErrMalformed)
	case len(sigs) > 1:
		return fmt.Errorf("%w: the PDF has more than one signature", ErrMalformed)
	}
	sig := sigs[0]
	contents, ok := f.resolve(sig["Contents"]).(pdfString)
	if !ok || contents.start != s.gapStart || contents.end != s.gapEnd {
		return fmt.Errorf("%w: the signature value is not where the byte range says", ErrMalformed)
	}
	br, ok := f.resolve(sig["ByteRange"]).(pdfArray)
	if !ok || len(br) != 4 {
		return fmt.Errorf("%w: the signature has no valid byte range", ErrMalformed)
	}
	for i, x := range br {
		if n, ok := f.resolve(x).(int64); !ok || n != int64(s.byteRange[i]) {
			return fmt.Errorf("%w: the signature dictionary has another byte range", ErrMalformed)
		}
	}
	return nil
}

// signingTime reads the signature dictionary's /M, D:YYYYMMDDHHmmSS with
// an optional offset (Z, +HH'mm' or -HH'mm'), as pdfsign writes it.
func (f *pdfFile) signingTime() (time.Time, bool) {
	for _, def := range f.objects {
		d := f.dict(def.obj)
		if d == nil || f.resolve(d["Filter"]) != pdfName("Adobe.PPKLite") {
			continue
		}
		m, ok := f.resolve(d["M"]).(pdfString)
		if !ok || len(m.s) < 16 || m.s[:2] != "D:" {
			return time.Time{}, false
		}
		t, err := time.Parse("20060102150405", m.s[2:16])
		if err != nil {
			return time.Time{}, false
		}
		if z := m.s[16:]; len(z) >= 6 && (z[0] == '+' || z[0] == '-') && z[3] == '\'' {
			h, err1 := strconv.Atoi(z[1:3])
			mm, err2 := strconv.Atoi(z[4:6])
			if err1 != nil || err2 != nil {
				return time.Time{}, false
			}
			off := time.Duration(h)*time.Hour + time.Duration(mm)*time.Minute
			if z[0] == '+' {
				off = -off
			}
			t = t.Add(off)
		}
		return t, true
	}
	return time.Time{}, false
}
