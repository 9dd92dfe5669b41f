package certificates

import (
	"strings"
	"testing"

	"kipass/internal/i18n"
)

// testMessages is the catalog the certificate's words come from.
func testMessages() *i18n.Catalog {
	c, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return c
}

// TestWordsFromTheCatalog: the certificate's words are the catalog's
// certificate.* messages; the scope line has plural forms for modules and
// minutes in German and English.
func TestWordsFromTheCatalog(t *testing.T) {
	msgs := testMessages()
	for _, tc := range []struct {
		lang             string
		modules, minutes int
		want             string
	}{
		{"de", 1, 0, "1 Modul"},
		{"de", 8, 95, "8 Module, ca. 95 Minuten"},
		{"de", 2, 1, "2 Module, ca. 1 Minute"},
		{"en", 1, 1, "1 module, about 1 minute"},
		{"en", 8, 95, "8 modules, about 95 minutes"},
	} {
		w, ok := wordsFor(msgs, tc.lang)
		if !ok {
			t.Fatalf("%s: no words", tc.lang)
		}
		if got := w.scope(tc.modules, tc.minutes); got != tc.want {
			t.Errorf("%s %d %d: %q, want %q", tc.lang, tc.modules, tc.minutes, got, tc.want)
		}
		if w.intro != msgs.T(tc.lang, "certificate.intro") || !strings.Contains(w.note, CredentialFileName) {
			t.Errorf("%s: intro %q, note %q", tc.lang, w.intro, w.note)
		}
	}
	if _, ok := wordsFor(msgs, "fr"); ok {
		t.Error("French words")
	}
	if _, err := RenderPDF(nil, pdfTestCert("Anna"), pdfTestIssuer, "de", ""); err == nil {
		t.Error("a certificate without messages")
	}
}
