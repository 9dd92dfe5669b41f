package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// credPub builds a P-256 public key from base64url coordinates.
func credPub(t *testing.T, x, y string) *ecdsa.PublicKey {
	t.Helper()
	xb, err1 := base64.RawURLEncoding.DecodeString(x)
	yb, err2 := base64.RawURLEncoding.DecodeString(y)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestThumbprintKnownVectors(t *testing.T) {
	tests := []struct {
		name, x, y, want string
	}{
		{
			// RFC 9449 (DPoP) section 6.1: the example proof key and its
			// "jkt", an RFC 7638 SHA-256 thumbprint.
			name: "RFC 9449 example key",
			x:    "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
			y:    "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
			want: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
		},
		{
			// RFC 7517 appendix A.1, the EC public key; the value was
			// computed independently with
			//   printf '{"crv":"P-256","kty":"EC","x":"...","y":"..."}' |
			//   openssl dgst -sha256 -binary | basenc --base64url
			name: "RFC 7517 A.1 key",
			x:    "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
			y:    "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
			want: "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s",
		},
	}
	for _, tt := range tests {
		if got := Thumbprint(credPub(t, tt.x, tt.y)); got != tt.want {
			t.Errorf("%s: Thumbprint = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestThumbprintCanonicalForm recomputes thumbprints with encoding/json
// (which sorts map keys) for random keys, including keys whose coordinates
// start with zero bytes, which must be kept (RFC 7518 section 6.2.1.2).
func TestThumbprintCanonicalForm(t *testing.T) {
	leadingZero := 0
	for i := 0; i < 3000 && (i < 20 || leadingZero == 0); i++ {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		point, _ := priv.PublicKey.Bytes()
		x, y := point[1:33], point[33:]
		if x[0] == 0 || y[0] == 0 {
			leadingZero++
		}
		canon, _ := json.Marshal(map[string]string{
			"kty": "EC", "crv": "P-256",
			"x": base64.RawURLEncoding.EncodeToString(x), "y": base64.RawURLEncoding.EncodeToString(y),
		})
		sum := sha256.Sum256(canon)
		if got, want := Thumbprint(&priv.PublicKey), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
			t.Fatalf("Thumbprint = %s, want %s (canonical %s)", got, want, canon)
		}
	}
	if leadingZero == 0 {
		t.Fatal("no key with a leading zero coordinate byte was tried")
	}
}

func TestThumbprintOfOtherKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if got := Thumbprint(nil); got != "" {
		t.Errorf("Thumbprint(nil) = %q", got)
	}
	if got := Thumbprint(&p384.PublicKey); got != "" {
		t.Errorf("Thumbprint(P-384) = %q", got)
	}
}

func TestNewKey(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	k, err := NewKey(rand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	if k.Private == nil || k.Public != &k.Private.PublicKey || k.Public.Curve != elliptic.P256() {
		t.Fatalf("NewKey = %+v", k)
	}
	if k.ID != Thumbprint(k.Public) || len(k.ID) != 43 || !k.Created.Equal(now) {
		t.Errorf("ID %q Created %v", k.ID, k.Created)
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	k, _ := NewKey(rand.Reader, time.Time{})

	priv, err := MarshalKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(priv), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("private PEM starts %q", priv[:30])
	}
	back, err := ParseKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != k.ID || back.Private == nil || !back.Private.Equal(k.Private) {
		t.Errorf("PKCS#8 round trip lost the key")
	}

	pubOnly := &Key{ID: k.ID, Public: k.Public}
	pub, err := MarshalKeyPEM(pubOnly)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pub), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("public PEM starts %q", pub[:30])
	}
	back, err = ParseKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	if back.Private != nil || back.ID != k.ID || !back.Public.Equal(k.Public) {
		t.Errorf("public round trip: %+v", back)
	}

	// SEC 1 "EC PRIVATE KEY" as `openssl ecparam -genkey` writes it, with
	// the "EC PARAMETERS" block first.
	sec1, _ := x509.MarshalECPrivateKey(k.Private)
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}})
	ossl := append(params, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...)
	back, err = ParseKeyPEM(ossl)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != k.ID || !back.Private.Equal(k.Private) {
		t.Errorf("EC PRIVATE KEY: got %s, want %s", back.ID, k.ID)
	}
}

func TestParseKeyPEMRejects(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	tests := map[string][]byte{
		"empty":       nil,
		"not PEM":     []byte("hello"),
		"certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}),
		"bad DER":     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"P-384":       pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}),
		"RSA":         pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER}),
	}
	for name, data := range tests {
		if k, err := ParseKeyPEM(data); err == nil {
			t.Errorf("%s: ParseKeyPEM = %+v, want an error", name, k)
		}
	}
}

var keyFileName = regexp.MustCompile(`^[0-9]+-[A-Za-z0-9_-]{43}\.pem$`)

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func pemFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ksClock is a settable clock.
type ksClock struct{ t time.Time }

func (c *ksClock) now() time.Time { return c.t }

func TestOpenKeyStoreCreatesAndReopens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	clock := &ksClock{time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	ks, err := OpenKeyStore(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	cur := ks.Current()
	if cur == nil || cur.Private == nil || !cur.Created.Equal(clock.t) {
		t.Fatalf("Current = %+v", cur)
	}
	files := pemFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("key files %v", files)
	}
	name := filepath.Base(files[0])
	if !keyFileName.MatchString(name) || name != "1768035600-"+cur.ID+".pem" {
		t.Errorf("key file name %q", name)
	}
	if runtime.GOOS != "windows" {
		if p := perm(t, dir); p != 0o700 {
			t.Errorf("key directory mode %o, want 700", p)
		}
		if p := perm(t, files[0]); p != 0o600 {
			t.Errorf("key file mode %o, want 600", p)
		}
	}

	clock.t = clock.t.Add(time.Hour)
	again, err := OpenKeyStore(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Current(); got.ID != cur.ID || !got.Created.Equal(cur.Created) || !got.Private.Equal(cur.Private) {
		t.Errorf("reopened Current = %s %v, want %s %v", got.ID, got.Created, cur.ID, cur.Created)
	}
	if n := len(pemFiles(t, dir)); n != 1 {
		t.Errorf("reopening wrote a key: %d files", n)
	}
}

func TestKeyStoreRotate(t *testing.T) {
	dir := t.TempDir()
	clock := &ksClock{time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	ks, err := OpenKeyStore(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	old := ks.Current()
	oldToken, err := IssueCredential(testMessages(), credTestCert(), credTestIssuer, old)
	if err != nil {
		t.Fatal(err)
	}

	clock.t = clock.t.AddDate(0, 6, 0)
	k, err := ks.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if k.ID == old.ID || ks.Current().ID != k.ID {
		t.Fatalf("after Rotate: Current %s, new %s, old %s", ks.Current().ID, k.ID, old.ID)
	}
	keys := ks.Keys()
	if len(keys) != 2 || keys[0].ID != k.ID || keys[1].ID != old.ID {
		t.Fatalf("Keys = %v, want newest first", keyIDs(keys))
	}
	if runtime.GOOS != "windows" {
		for _, f := range pemFiles(t, dir) {
			if p := perm(t, f); p != 0o600 {
				t.Errorf("%s mode %o", f, p)
			}
		}
	}
	newToken, err := IssueCredential(testMessages(), credTestCert(), credTestIssuer, ks.Current())
	if err != nil {
		t.Fatal(err)
	}

	// A fresh store from the folder, as after a restart.
	reopened, err := OpenKeyStore(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if reopened.Current().ID != k.ID || len(reopened.Keys()) != 2 {
		t.Fatalf("reopened: current %s, keys %v", reopened.Current().ID, keyIDs(reopened.Keys()))
	}
	now := credTestCert().IssuedAt.Add(time.Hour)
	for _, tc := range []struct {
		token, kid string
	}{{oldToken, old.ID}, {newToken, k.ID}} {
		cred, err := VerifyCredential(tc.token, reopened.Lookup, now)
		if err != nil {
			t.Fatalf("verify after rotation: %v", err)
		}
		if cred.Kid != tc.kid {
			t.Errorf("kid %s, want %s", cred.Kid, tc.kid)
		}
	}
	if _, ok := reopened.Lookup("no-such-kid"); ok {
		t.Error("Lookup of an unknown kid succeeded")
	}

	// Keys returns a copy.
	keys[0] = nil
	if ks.Keys()[0] == nil {
		t.Error("Keys exposes the store's slice")
	}
}

func TestKeyStoreRotateWithClockBehind(t *testing.T) {
	clock := &ksClock{time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	ks, err := OpenKeyStore(t.TempDir(), clock.now)
	if err != nil {
		t.Fatal(err)
	}
	first := ks.Current()
	clock.t = clock.t.Add(-time.Hour)
	k, err := ks.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if !k.Created.After(first.Created) || ks.Current().ID != k.ID {
		t.Errorf("new key created %v, first %v", k.Created, first.Created)
	}
}

func keyIDs(keys []*Key) []string {
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}

func TestOpenKeyStoreDamagedFolder(t *testing.T) {
	k, _ := NewKey(rand.Reader, time.Time{})
	other, _ := NewKey(rand.Reader, time.Time{})
	data, _ := MarshalKeyPEM(k)
	tests := map[string]string{
		"wrong kid in name": "1700000000-" + other.ID + ".pem",
		"no created time":   k.ID + ".pem",
		"bad created time":  "soon-" + k.ID + ".pem",
	}
	for name, file := range tests {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenKeyStore(dir, time.Now); err == nil {
			t.Errorf("%s: OpenKeyStore accepted %s", name, file)
		}
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "1700000000-"+k.ID+".pem"), []byte("not a key"), 0o600)
	if _, err := OpenKeyStore(dir, time.Now); err == nil {
		t.Error("OpenKeyStore accepted a file that is not a key")
	}
}

func TestOpenKeyStoreIgnoresTempAndTightensModes(t *testing.T) {
	dir := t.TempDir()
	k, _ := NewKey(rand.Reader, time.Time{})
	data, _ := MarshalKeyPEM(k)
	path := filepath.Join(dir, "1700000000-"+k.ID+".pem")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	os.WriteFile(filepath.Join(dir, ".tmp-1700000001-x.pem-123"), []byte("half written"), 0o600)
	ks, err := OpenKeyStore(dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if ks.Current().ID != k.ID || !ks.Current().Created.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Current = %s %v", ks.Current().ID, ks.Current().Created)
	}
	if runtime.GOOS != "windows" {
		if p := perm(t, path); p != 0o600 {
			t.Errorf("key file mode %o after open, want 600", p)
		}
	}
}

func TestOpenKeyStoreWithOnlyPublicKeys(t *testing.T) {
	dir := t.TempDir()
	k, _ := NewKey(rand.Reader, time.Time{})
	data, _ := MarshalKeyPEM(&Key{ID: k.ID, Public: k.Public})
	os.WriteFile(filepath.Join(dir, "1700000000-"+k.ID+".pem"), data, 0o600)
	ks, err := OpenKeyStore(dir, func() time.Time { return time.Unix(1800000000, 0) })
	if err != nil {
		t.Fatal(err)
	}
	if ks.Current() == nil || ks.Current().ID == k.ID || len(ks.Keys()) != 2 {
		t.Fatalf("current %v, keys %v", ks.Current(), keyIDs(ks.Keys()))
	}
	if _, ok := ks.Lookup(k.ID); !ok {
		t.Error("the retired public key is not listed")
	}
}

func TestOpenKeyFile(t *testing.T) {
	dir := t.TempDir()
	k, _ := NewKey(rand.Reader, time.Time{})
	data, _ := MarshalKeyPEM(k)
	path := filepath.Join(dir, "signing.pem")
	os.WriteFile(path, data, 0o600)

	ks, err := OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if ks.Current().ID != k.ID || len(ks.Keys()) != 1 || ks.Current().Created.IsZero() {
		t.Errorf("OpenKeyFile: current %+v", ks.Current())
	}
	if _, ok := ks.Lookup(k.ID); !ok {
		t.Error("Lookup misses the key")
	}
	if _, err := ks.Rotate(); !errors.Is(err, ErrReadOnlyKeys) {
		t.Errorf("Rotate = %v, want ErrReadOnlyKeys", err)
	}
	if n := len(pemFiles(t, dir)); n != 1 {
		t.Errorf("Rotate wrote files: %d", n)
	}

	pub, _ := MarshalKeyPEM(&Key{Public: k.Public})
	os.WriteFile(path, pub, 0o600)
	if _, err := OpenKeyFile(path); err == nil {
		t.Error("OpenKeyFile accepted a public key")
	}
	if _, err := OpenKeyFile(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("OpenKeyFile accepted a missing file")
	}
}

func TestJWKSRoundTrip(t *testing.T) {
	k1, _ := NewKey(rand.Reader, time.Time{})
	k2, _ := NewKey(rand.Reader, time.Time{})
	b, err := JWKS([]*Key{k2, k1})
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS %s", b)
	}
	for i, k := range []*Key{k2, k1} {
		got := set.Keys[i]
		x, y, _ := p256XY(k.Public)
		want := map[string]string{"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": k.ID, "alg": "ES256", "use": "sig"}
		if len(got) != len(want) {
			t.Errorf("key %d has members %v", i, got)
		}
		for m, v := range want {
			if got[m] != v {
				t.Errorf("key %d: %s = %q, want %q", i, m, got[m], v)
			}
		}
	}
	if strings.Contains(string(b), `"d"`) {
		t.Error("JWKS leaks a private key")
	}

	keys, err := ParseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !keys[k1.ID].Equal(k1.Public) || !keys[k2.ID].Equal(k2.Public) {
		t.Errorf("ParseJWKS = %v", keys)
	}

	empty, _ := JWKS(nil)
	if string(empty) != `{"keys":[]}` {
		t.Errorf("JWKS(nil) = %s", empty)
	}
}

func TestParseJWKSRejects(t *testing.T) {
	k, _ := NewKey(rand.Reader, time.Time{})
	x, y, _ := p256XY(k.Public)
	d, _ := k.Private.Bytes()
	key := func(change func(m map[string]any)) string {
		m := map[string]any{"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": k.ID, "alg": "ES256", "use": "sig"}
		change(m)
		b, _ := json.Marshal(map[string]any{"keys": []any{m}})
		return string(b)
	}
	yb, _ := base64.RawURLEncoding.DecodeString(y)
	yb[31] ^= 1
	offCurve := base64.RawURLEncoding.EncodeToString(yb)
	tests := map[string]string{
		"not JSON":        "{",
		"no keys":         `{"keys":[]}`,
		"RSA":             key(func(m map[string]any) { m["kty"] = "RSA" }),
		"P-384":           key(func(m map[string]any) { m["crv"] = "P-384" }),
		"alg RS256":       key(func(m map[string]any) { m["alg"] = "RS256" }),
		"use enc":         key(func(m map[string]any) { m["use"] = "enc" }),
		"kid mismatch":    key(func(m map[string]any) { m["kid"] = "somebody-else" }),
		"no kid":          key(func(m map[string]any) { delete(m, "kid") }),
		"not on curve":    key(func(m map[string]any) { m["y"] = offCurve }),
		"short x":         key(func(m map[string]any) { m["x"] = x[:40] }),
		"padded x":        key(func(m map[string]any) { m["x"] = x + "=" }),
		"x not a string":  key(func(m map[string]any) { m["x"] = 5 }),
		"private key":     key(func(m map[string]any) { m["d"] = base64.RawURLEncoding.EncodeToString(d) }),
		"larger than 1MB": `{"keys":[],"pad":"` + strings.Repeat("a", 1<<20) + `"}`,
	}
	for name, data := range tests {
		if keys, err := ParseJWKS([]byte(data)); err == nil {
			t.Errorf("%s: ParseJWKS = %v, want an error", name, keys)
		}
	}
	// The unchanged key is accepted (the table above only fails for its change).
	if _, err := ParseJWKS([]byte(key(func(map[string]any) {}))); err != nil {
		t.Errorf("valid key refused: %v", err)
	}
}
