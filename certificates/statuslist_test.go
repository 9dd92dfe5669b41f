package certificates

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStatusListRoundTrip(t *testing.T) {
	set := []int{0, 1, 7, 8, 131071}
	enc, err := EncodeStatusList(set)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc[1:], "+/=") {
		t.Errorf("not multibase base64url: %.20s", enc)
	}
	list, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != StatusListSize/8 {
		t.Fatalf("list of %d bytes", len(list))
	}
	// Bit 0 is the left-most bit of the first byte.
	if list[0] != 0b1100_0001 || list[1] != 0b1000_0000 || list[len(list)-1] != 0b0000_0001 {
		t.Errorf("bytes %08b %08b ... %08b", list[0], list[1], list[len(list)-1])
	}
	count := 0
	for i := range StatusListSize {
		if Bit(list, i) {
			count++
		}
	}
	if count != len(set) {
		t.Errorf("%d bits set, want %d", count, len(set))
	}
	for _, i := range set {
		if !Bit(list, i) {
			t.Errorf("bit %d not set", i)
		}
	}
	for _, i := range []int{2, 6, 9, 131070, -1, StatusListSize, 1 << 40} {
		if Bit(list, i) {
			t.Errorf("bit %d set", i)
		}
	}

	// The list is plain GZIP as the spec says: any gzip reader gets it back.
	raw, _ := base64.RawURLEncoding.DecodeString(enc[1:])
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	plain.ReadFrom(zr)
	if !bytes.Equal(plain.Bytes(), list) {
		t.Error("gzip reader disagrees")
	}
}

func TestStatusListEmptyAndDeterministic(t *testing.T) {
	a, err := EncodeStatusList(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := EncodeStatusList([]int{})
	if a != b {
		t.Error("encoding is not deterministic")
	}
	if len(a) > 100 {
		t.Errorf("empty list encodes to %d bytes", len(a))
	}
	list, err := DecodeStatusList(a)
	if err != nil || len(list) != StatusListSize/8 || bytes.Count(list, []byte{0}) != len(list) {
		t.Errorf("empty list: %v, %d bytes", err, len(list))
	}
	// Duplicates are harmless.
	c, _ := EncodeStatusList([]int{5, 5})
	d, _ := EncodeStatusList([]int{5})
	if c != d {
		t.Error("duplicate index changes the list")
	}
}

// TestDecodeStatusListSpecExample decodes the encodedList of the example
// in W3C Bitstring Status List v1.0: 16 KiB of zeros from another encoder.
func TestDecodeStatusListSpecExample(t *testing.T) {
	list, err := DecodeStatusList("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 16384 || bytes.Count(list, []byte{0}) != 16384 {
		t.Errorf("%d bytes", len(list))
	}
}

func TestEncodeStatusListRejects(t *testing.T) {
	for _, idx := range [][]int{{-1}, {StatusListSize}, {3, 1 << 31}} {
		if _, err := EncodeStatusList(idx); err == nil {
			t.Errorf("EncodeStatusList(%v) accepted", idx)
		}
	}
}

func gzipB64(t testing.TB, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeStatusListRejects(t *testing.T) {
	good, _ := EncodeStatusList([]int{3})
	corrupt := []byte(good)
	corrupt[len(corrupt)-10] ^= 0x04 // inside the CRC/data
	tests := map[string]string{
		"empty":              "",
		"no multibase":       good[1:],
		"base58 multibase":   "z" + good[1:],
		"bad base64":         "u!!!!",
		"padded":             good + "==",
		"not gzip":           "u" + base64.RawURLEncoding.EncodeToString([]byte("hello, world")),
		"truncated gzip":     good[:len(good)-8],
		"corrupt gzip":       string(corrupt),
		"shorter than 16KiB": gzipB64(t, make([]byte, 1000)),
		"deflate not gzip":   "u" + base64.RawURLEncoding.EncodeToString([]byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}),
	}
	for name, enc := range tests {
		if list, err := DecodeStatusList(enc); err == nil {
			t.Errorf("%s: decoded %d bytes", name, len(list))
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// gzipZeros returns GZIP data of n MiB of zeros plus extra zero bytes,
// built from concatenated gzip members (RFC 1952 allows several) so that
// the test does not spend its time compressing.
func gzipZeros(t testing.TB, mib, extra int) string {
	t.Helper()
	member := func(n int) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(make([]byte, n))
		zw.Close()
		return buf.Bytes()
	}
	one := member(1 << 20)
	var data []byte
	for range mib {
		data = append(data, one...)
	}
	if extra > 0 {
		data = append(data, member(extra)...)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(data)
}

func TestDecodeStatusListGzipBomb(t *testing.T) {
	// 256 MiB of zeros in about 300 KiB.
	bomb := gzipZeros(t, 256, 0)
	if len(bomb) > 400<<10 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	start := time.Now()
	_, err := DecodeStatusList(bomb)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "16 MiB") {
		t.Errorf("err = %v", err)
	}
	t.Logf("bomb refused in %v", time.Since(start))

	// Exactly at the limit is allowed; one byte more is not.
	if list, err := DecodeStatusList(gzipZeros(t, 16, 0)); err != nil || len(list) != 16<<20 {
		t.Errorf("16 MiB list: %v", err)
	}
	if _, err := DecodeStatusList(gzipZeros(t, 16, 1)); !errors.Is(err, ErrMalformed) {
		t.Errorf("16 MiB + 1: %v", err)
	}
}

func TestIssueVerifyStatusList(t *testing.T) {
	k := credTestKey(t)
	now := time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	token, err := IssueStatusList(credTestIssuer, []int{3, 4711, 131071}, k, now)
	if err != nil {
		t.Fatal(err)
	}
	header, payload := credDecode(t, token)
	if header["alg"] != "ES256" || header["typ"] != "JWT" || header["kid"] != KeyURL(credTestIssuer.URL, k.ID) {
		t.Errorf("header %v", header)
	}
	vc := payload // the list credential is the payload, as a credential's
	subject := vc["credentialSubject"].(map[string]any)
	listURL := "https://kipass.muster.example/status/1"
	if _, ok := payload["vc"]; ok || payload["jti"] != listURL || payload["sub"] != listURL+"#list" || payload["iss"] != vc["issuer"].(map[string]any)["id"] {
		t.Errorf("claims and list disagree: %v", payload)
	}
	if vc["id"] != listURL || subject["id"] != listURL+"#list" || subject["type"] != "BitstringStatusList" ||
		subject["statusPurpose"] != "revocation" || payload["exp"].(float64) != float64(now.Add(24*time.Hour).Unix()) ||
		vc["validUntil"] != "2027-02-02T12:00:00Z" {
		t.Errorf("payload %v", payload)
	}
	types := vc["type"].([]any)
	if len(types) != 2 || types[1] != "BitstringStatusListCredential" {
		t.Errorf("type %v", types)
	}

	list, err := VerifyStatusList(token, credLookup(t), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{3: true, 4711: true, 131071: true, 4: false, 0: false} {
		if Bit(list, i) != want {
			t.Errorf("bit %d = %v", i, !want)
		}
	}

	// The credential of index 4711 is revoked according to the list.
	c := credTestCert()
	cred, err := VerifyCredential(credIssue(t, c), credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	if cred.StatusListURL != listURL || !Bit(list, cred.StatusIndex) {
		t.Errorf("credential at %s index %d not revoked", cred.StatusListURL, cred.StatusIndex)
	}

	stranger, _ := NewKey(rand.Reader, time.Time{})
	foreign, _ := IssueStatusList(credTestIssuer, nil, stranger, now)
	parts := strings.Split(token, ".")
	sig := mustB64(t, parts[2])
	sig[5] ^= 1
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"expired", token, now.Add(24 * time.Hour), ErrExpired},
		{"not yet valid", token, now.Add(-time.Hour), ErrNotYetValid},
		{"unknown key", foreign, now, ErrUnknownKey},
		{"changed signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig), now, ErrBadSignature},
		{"a credential", credIssue(t, c), credValidAt, ErrMalformed},
		{"alg none", credSegment(t, map[string]any{"alg": "none", "typ": "JWT", "kid": KeyURL(credTestIssuer.URL, k.ID)}) + "." + parts[1] + ".", now, ErrAlgorithm},
		{"jti differs", statusResigned(t, parts, k, func(p map[string]any) { p["jti"] = "x" }), now, ErrMalformed},
		{"exp differs from validUntil", statusResigned(t, parts, k, func(p map[string]any) { p["exp"] = p["exp"].(float64) + 3600 }), now, ErrMalformed},
		{"garbage", "x.y.z", now, ErrMalformed},
	}
	for _, tt := range tests {
		list, err := VerifyStatusList(tt.token, credLookup(t), tt.at)
		if !errors.Is(err, tt.want) || list != nil {
			t.Errorf("%s: %d bytes, err %v, want %v", tt.name, len(list), err, tt.want)
		}
	}
}

func TestIssueStatusListRejects(t *testing.T) {
	k := credTestKey(t)
	now := time.Now()
	if _, err := IssueStatusList(credTestIssuer, []int{StatusListSize}, k, now); err == nil {
		t.Error("index past the list accepted")
	}
	if _, err := IssueStatusList(credTestIssuer, nil, &Key{ID: k.ID, Public: k.Public}, now); err == nil {
		t.Error("public key accepted for signing")
	}
	if _, err := IssueStatusList(Issuer{Name: "x", URL: "https://a.example/"}, nil, k, now); err == nil {
		t.Error("issuer URL with trailing slash accepted")
	}
}

// TestStatusListWorstCaseFitsToken: even a list with every other entry
// revoked (which gzip cannot shrink much) stays under MaxTokenSize.
func TestStatusListWorstCaseFitsToken(t *testing.T) {
	var revoked []int
	for i := 0; i < StatusListSize; i++ {
		var b [1]byte
		rand.Read(b[:])
		if b[0]&1 == 1 {
			revoked = append(revoked, i)
		}
	}
	token, err := IssueStatusList(credTestIssuer, revoked, credTestKey(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	list, err := VerifyStatusList(token, credLookup(t), credValidAt)
	if err != nil {
		t.Fatalf("%d-byte token: %v", len(token), err)
	}
	for _, i := range revoked[:100] {
		if !Bit(list, i) {
			t.Fatalf("bit %d lost", i)
		}
	}
}

func FuzzDecodeStatusList(f *testing.F) {
	empty, _ := EncodeStatusList(nil)
	some, _ := EncodeStatusList([]int{0, 1, 7, 8, 131071})
	f.Add(empty)
	f.Add(some)
	f.Add("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Add("u")
	f.Add("")
	f.Add(some[:len(some)/2])
	f.Fuzz(func(t *testing.T, enc string) {
		list, err := DecodeStatusList(enc)
		if err != nil {
			if list != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("list %d bytes with err %v", len(list), err)
			}
			return
		}
		if len(list) < StatusListSize/8 || len(list) > 16<<20 {
			t.Fatalf("decoded %d bytes", len(list))
		}
		Bit(list, len(list)*8-1)
	})
}

func BenchmarkIssueStatusList(b *testing.B) {
	k := credTestKey(b)
	revoked := []int{3, 4711, 90000}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IssueStatusList(credTestIssuer, revoked, k, credValidAt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyStatusList(b *testing.B) {
	token, err := IssueStatusList(credTestIssuer, []int{3, 4711, 90000}, credTestKey(b), credValidAt)
	if err != nil {
		b.Fatal(err)
	}
	lookup := credLookup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyStatusList(token, lookup, credValidAt); err != nil {
			b.Fatal(err)
		}
	}
}

// statusResigned changes a status list's payload and signs it again with k.
func statusResigned(t *testing.T, parts []string, k *Key, change func(map[string]any)) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(mustB64(t, parts[1]), &p); err != nil {
		t.Fatal(err)
	}
	change(p)
	return credES256(t, parts[0], credSegment(t, p), k.Private)
}
