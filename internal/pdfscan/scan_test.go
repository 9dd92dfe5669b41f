package pdfscan

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// withBody wraps body (objects from offset 9) in a header, the given xref
// lines and a trailer.
func withBody(body, xrefLines string) []byte {
	doc := "%PDF-1.4\n" + body
	xref := len(doc)
	return []byte(doc + xrefLines + fmt.Sprintf("trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref))
}

// hostile is a 4 MB PDF of nested arrays, each within the depth limit,
// the shape that cost 150 MB of heap per upload when parsed first.
func hostile(size int) []byte {
	unit := strings.Repeat("[", 30) + strings.Repeat("]", 30) + " "
	body := "1 0 obj\n[" + strings.Repeat(unit, size/len(unit)) + "]\nendobj\n"
	return withBody(body, "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n")
}

// allocated is the heap that f allocates, in bytes.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

var trustAll Trust = func(Signer) error { return nil }

// An unsigned hostile file is answered from a scan of its bytes: no object
// tree is built, and the heap it costs is a small fraction of its size.
func TestVerifyHostileUnsignedIsCheap(t *testing.T) {
	b := hostile(4 << 20)
	// A byte range at the end that covers the file, with a 1 MB gap of
	// hex that is no signature: refused before parsing, at a cost of at
	// most the gap.
	gap := "<" + strings.Repeat("30", 1<<19) + ">"
	head := hostile(3 << 20)
	prefix := len(head) + len("<</ByteRange [0 0000000000 0000000000 0000000000] /Contents ")
	tail := ">>\n%%EOF\n"
	fake := fmt.Appendf(head[:len(head):len(head)], "<</ByteRange [0 %010d %010d %010d] /Contents %s%s",
		prefix, prefix+len(gap), len(tail), gap, tail)
	for _, tc := range []struct {
		name  string
		in    []byte
		want  error
		limit uint64
	}{
		{"unsigned", b, ErrNotSigned, 64 << 10},
		{"fake byte range", fake, ErrSignature, 1 << 20},
	} {
		var err error
		n := allocated(func() { _, err = Verify(tc.in, trustAll, "credential.jwt", Limits{}) })
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify = %v, want %v", tc.name, err, tc.want)
		}
		if n > tc.limit {
			t.Errorf("%s: Verify of %d bytes allocated %d bytes, want at most %d", tc.name, len(tc.in), n, tc.limit)
		}
		t.Logf("%s: %d bytes, %d bytes allocated", tc.name, len(tc.in), n)
	}
}

// Should a trusted signer ever sign a hostile structure, parsing it is
// bounded by the budget: tokens, objects, depth.
func TestParseBudget(t *testing.T) {
	b := hostile(4 << 20)
	var err error
	n := allocated(func() { _, err = Parse(b, Limits{}) })
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "too many tokens") {
		t.Errorf("Parse(hostile) = %v, want ErrMalformed: too many tokens", err)
	}
	if n > 48<<20 {
		t.Errorf("Parse(hostile) allocated %d MB", n>>20)
	}
	t.Logf("Parse(hostile, 4 MB) allocated %d MB before its budget ran out", n>>20)
	if _, err := Parse(b, Limits{MaxTokens: 100}); err == nil || !strings.Contains(err.Error(), "too many tokens") {
		t.Errorf("MaxTokens 100: %v", err)
	}
	if _, err := Parse(b, Limits{MaxDepth: 10}); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("MaxDepth 10: %v", err)
	}
}

// Files that make github.com/digitorus/pdf allocate gigabytes, overflow
// its stack (both fatal, no recover) or loop forever are refused by
// pdfscan's reader, quickly.
func TestParseResourceAttacks(t *testing.T) {
	attacks := map[string][]byte{
		"huge xref start": withBody("1 0 obj\n<<>>\nendobj\n", "xref\n4000000000 1\n0000000009 00000 n \n"),
		"huge xref count": withBody("1 0 obj\n<<>>\nendobj\n", "xref\n0 900000000\n0000000009 00000 n \n"),
		"deep arrays": withBody("1 0 obj\n"+strings.Repeat("[", 4<<20)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"deep dicts": withBody("1 0 obj\n"+strings.Repeat("<</A ", 800000)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"nested objs": withBody("1 0 obj\n"+strings.Repeat("1 0 obj ", 500000)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"xref stream": []byte("%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 4000000000 /W [1 4 2] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n9\n%%EOF\n"),
		"prev loop":   withBody("", "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\n"),
		// digitorus/pdf reads "[ endobj" as an endless run of nulls.
		"endless array": withBody("1 0 obj\n[ endobj\n", "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
	}
	// Many xref entries pointing at one big object: quadratic work.
	entries := strings.Repeat("0000000009 00000 n \n", 20000)
	attacks["shared object"] = withBody("1 0 obj\n["+strings.Repeat("0 ", 1<<20)+"]\nendobj\n", "xref\n1 20000\n"+entries)
	for name, b := range attacks {
		if f, err := Parse(b, Limits{}); !errors.Is(err, ErrMalformed) || f != nil {
			t.Errorf("%s: Parse = %v, %v; want ErrMalformed", name, f, err)
		}
		if _, err := Verify(b, trustAll, "x", Limits{}); !errors.Is(err, ErrNotSigned) {
			t.Errorf("%s: Verify = %v; want ErrNotSigned", name, err)
		}
	}
}

// FuzzVerify: no input makes Verify panic or pass without a signer.
func FuzzVerify(f *testing.F) {
	f.Add(hostile(4 << 10))
	f.Add([]byte("%PDF-1.4\n<</ByteRange [0 9 12 26] /Contents <3000>>>\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Verify(b, trustAll, "credential.jwt", Limits{})
		if err == nil && (res == nil || res.Signer.Key == nil) {
			t.Fatalf("passed with %+v", res)
		}
	})
}

// BenchmarkVerifyHostile: what a 4 MB hostile unsigned upload costs.
func BenchmarkVerifyHostile(b *testing.B) {
	pdf := hostile(4 << 20)
	b.SetBytes(int64(len(pdf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(pdf, trustAll, "credential.jwt", Limits{}); !errors.Is(err, ErrNotSigned) {
			b.Fatal(err)
		}
	}
}
