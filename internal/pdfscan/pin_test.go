package pdfscan_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"

	"kipass/certificates"
	"kipass/internal/i18n"
	"kipass/internal/pdfscan"
)

// pdfscan's reader follows github.com/digitorus/pdf's tokenisation (the
// reader behind pdfsign, which writes kipass's signatures): on real
// certificates, and on a file full of tokenising corner cases, both read
// the same objects, object for object, value for value.
func TestTokenisingMatchesDigitorusPDF(t *testing.T) {
	files := map[string][]byte{}
	sample, err := os.ReadFile(filepath.Join("testdata", "certificate-de.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	files["stored certificate"] = sample
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := &certificates.Key{ID: "k", Private: k, Public: &k.PublicKey}
	iss := certificates.Issuer{Name: "Müller & Söhne (Deutschland) GmbH", URL: "https://kipass.mueller.example"}
	msgs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"de", "en"} {
		issued := time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)
		c := certificates.Certificate{ID: "q8VYzB3kTn2Xc5Rw7pLm1A", HolderName: "Zoë (Ångström) \\ Łukasiewicz", CourseID: "ki",
			CourseTitle: map[string]string{"de": "KI am Arbeitsplatz", "en": "AI in the workplace"},
			IssuedAt:    issued, ExpiresAt: issued.AddDate(1, 0, 0), Lang: lang, StatusIndex: 7}
		unsigned, err := certificates.RenderPDF(msgs, c, iss, lang, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
		if err != nil {
			t.Fatal(err)
		}
		signed, err := certificates.SignPDF(unsigned, key, nil, iss, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		files["generated "+lang] = signed
		files["generated unsigned "+lang] = unsigned
	}
	if _, err := exec.LookPath("qpdf"); err == nil {
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		if err := os.WriteFile(in, files["generated en"], 0o600); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command("qpdf", "--object-streams=disable", "--compress-streams=y", in, out).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v\n%s", err, b)
		}
		if files["rewritten by qpdf"], err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Log("qpdf is not installed: the rewritten case is left out")
	}
	files["corner cases"] = cornerCases()

	for name, b := range files {
		ours, ourTrailer, err := pdfscan.CanonObjects(b)
		if err != nil {
			t.Errorf("%s: pdfscan: %v", name, err)
			continue
		}
		r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Errorf("%s: digitorus/pdf: %v", name, err)
			continue
		}
		theirs := map[uint32]string{}
		for _, x := range r.Xref() {
			ptr := x.Ptr()
			v := r.Resolve(ptr, ptr)
			if v.IsNull() {
				continue // free entries
			}
			theirs[ptr.GetID()] = canonTheirs(reflect.ValueOf(v.RawData()))
		}
		if len(ours) != len(theirs) {
			t.Errorf("%s: %d objects here, %d in digitorus/pdf", name, len(ours), len(theirs))
		}
		for id, want := range theirs {
			if got := ours[id]; got != want {
				t.Errorf("%s: object %d:\n pdfscan:       %.300s\n digitorus/pdf: %.300s", name, id, got, want)
			}
		}
		if got, want := ourTrailer, canonTheirs(reflect.ValueOf(r.Trailer().RawData())); got != want {
			t.Errorf("%s: trailer:\n pdfscan:       %s\n digitorus/pdf: %s", name, got, want)
		}
		t.Logf("%s: %d objects agree", name, len(theirs))
	}
}

// cornerCases is a small PDF whose one object holds the tokens where
// readers tend to differ: escapes, octal, line continuations, hex strings
// with spaces, names with #xx, signed and dotted
// numbers, nested containers, references and comments.
func cornerCases() []byte {
	obj := `<< /Str (a\(b\)c\\d\n\t\r\b\f\101\60x\0011 (nested) \
end) /Hex <48 65 6c6C 6f> /Name /A#42C#20d /Empty () /EmptyHex <>
/Ints [0 -3 +4 007 2147483648] /Reals [1.5 -.25 4. +0.5 -0.0] /Bools [true false null]
/Nested [[1 [2 [3]]] << /K [<< /L (v) >>] >>] /Ref 1 0 R /RefArr [1 0 R 2 0 R 3]
% a comment << [ (
/AfterComment /x /Dot /. >>`
	doc := "%PDF-1.4\n1 0 obj\n" + obj + "\nendobj\n"
	xref := len(doc)
	doc += "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
	doc += "trailer\n<< /Size 2 /Root 1 0 R /ID [<0102> <0304>] >>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n"
	return []byte(doc)
}

// canonTheirs writes a digitorus/pdf object (its unexported types, read
// by reflection) in the same canonical text as pdfscan's canon.
func canonTheirs(v reflect.Value) string {
	if !v.IsValid() {
		return "null"
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "null"
		}
		v = v.Elem()
	}
	switch v.Type().Name() {
	case "name":
		return "/" + v.String()
	case "objptr":
		return fmt.Sprintf("R(%d,%d)", v.Field(0).Uint(), v.Field(1).Uint())
	case "stream":
		return "stream" + canonTheirs(v.Field(0)) + "@" + strconv.FormatInt(v.Field(2).Int(), 10)
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int64:
		return "i" + strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return "f" + strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.String:
		return "s" + strconv.Quote(v.String())
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = canonTheirs(v.Index(i))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		vals := map[string]reflect.Value{}
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
			vals[k.String()] = v.MapIndex(k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("<<")
		for _, k := range keys {
			fmt.Fprintf(&b, "/%s %s ", k, canonTheirs(vals[k]))
		}
		b.WriteString(">>")
		return b.String()
	}
	return "?" + v.Type().String()
}
