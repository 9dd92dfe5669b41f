package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrReadOnlyKeys is returned by Rotate on a key store opened from a single
// file (--signing-key): that key is managed outside kipass.
var ErrReadOnlyKeys = errors.New("certificates: the signing key was supplied as a file and cannot be rotated here")

// p256Coordinate is the length of a P-256 coordinate in bytes. RFC 7518
// section 6.2.1.2 requires x and y in their full length, leading zeros kept.
const p256Coordinate = 32

// maxJWKSSize bounds the JWKS that ParseJWKS reads: a key set of kipass is a
// few hundred bytes per key.
const maxJWKSSize = 1 << 20

// Thumbprint returns the RFC 7638 JWK thumbprint of a P-256 public key: the
// unpadded base64url SHA-256 of {"crv","kty","x","y"} in that (lexicographic)
// order without whitespace. It is the kid of the key. It returns "" for a
// nil key or a key on another curve, which matches no kid.
func Thumbprint(pub *ecdsa.PublicKey) string {
	x, y, ok := p256XY(pub)
	if !ok {
		return ""
	}
	// The members are fixed ASCII and base64url needs no JSON escaping, so
	// the canonical form can be written directly.
	canonical := `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// p256XY returns the base64url coordinates of a P-256 public key.
func p256XY(pub *ecdsa.PublicKey) (x, y string, ok bool) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return "", "", false
	}
	b, err := pub.Bytes() // 0x04 || X || Y, both padded to 32 bytes
	if err != nil || len(b) != 1+2*p256Coordinate {
		return "", "", false
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b[1 : 1+p256Coordinate]), enc.EncodeToString(b[1+p256Coordinate:]), true
}

// NewKey creates a P-256 signing key created at now. rand is handed to
// ecdsa.GenerateKey; note that since Go 1.26 the standard library ignores it
// and always uses a secure source, so keys cannot be made reproducible this
// way (tests load a fixed key with ParseKeyPEM instead).
func NewKey(rand io.Reader, now time.Time) (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, fmt.Errorf("certificates: generate key: %w", err)
	}
	return &Key{ID: Thumbprint(&priv.PublicKey), Private: priv, Public: &priv.PublicKey, Created: now}, nil
}

// MarshalKeyPEM encodes a key as PEM: a PKCS#8 "PRIVATE KEY" block, or a
// "PUBLIC KEY" (PKIX) block when the key has no private part.
func MarshalKeyPEM(k *Key) ([]byte, error) {
	if k == nil {
		return nil, errors.New("certificates: marshal key: no key")
	}
	if k.Private != nil {
		if k.Private.Curve != elliptic.P256() {
			return nil, errors.New("certificates: marshal key: not a P-256 key")
		}
		der, err := x509.MarshalPKCS8PrivateKey(k.Private)
		if err != nil {
			return nil, fmt.Errorf("certificates: marshal key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	if k.Public == nil || k.Public.Curve != elliptic.P256() {
		return nil, errors.New("certificates: marshal key: not a P-256 key")
	}
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		return nil, fmt.Errorf("certificates: marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParseKeyPEM reads the first key in PEM data: "PRIVATE KEY" (PKCS#8),
// "EC PRIVATE KEY" (SEC 1, as written by `openssl ecparam -genkey`, whose
// "EC PARAMETERS" block is skipped) or "PUBLIC KEY" (PKIX, giving a Key with
// nil Private). The key must be ECDSA P-256. Created is left zero.
func ParseKeyPEM(data []byte) (*Key, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("certificates: no PEM key found")
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		default:
			continue // EC PARAMETERS, certificates, ...
		}
		if err != nil {
			return nil, fmt.Errorf("certificates: parse %s: %w", block.Type, err)
		}
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			if k.Curve != elliptic.P256() {
				return nil, errors.New("certificates: the key is not on curve P-256")
			}
			return &Key{ID: Thumbprint(&k.PublicKey), Private: k, Public: &k.PublicKey}, nil
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				return nil, errors.New("certificates: the key is not on curve P-256")
			}
			return &Key{ID: Thumbprint(k), Public: k}, nil
		default:
			return nil, fmt.Errorf("certificates: %s holds a %T, want an ECDSA P-256 key", block.Type, key)
		}
	}
}

// KeyStore holds the issuer's signing keys: the current key, which signs,
// and the retired ones, which still verify what they signed. A store opened
// with OpenKeyStore lives in a directory with one file per key named
// <created-unix>-<kid>.pem; the newest key with a private part is current.
// A KeyStore is safe for concurrent use.
type KeyStore struct {
	dir string           // "" for a store opened from one file
	now func() time.Time // clock for new keys

	mu   sync.RWMutex
	keys []*Key // newest first
}

// OpenKeyStore opens the key directory dir (normally <data>/keys), creating
// it with mode 0700 and a first key (file mode 0600) when it holds none.
// Every *.pem file in dir must be a key named <created-unix>-<kid>.pem whose
// kid matches the key; anything else is an error rather than silently
// ignored, so that a damaged key folder is noticed at start-up.
func OpenKeyStore(dir string, now func() time.Time) (*KeyStore, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certificates: key directory: %w", err)
	}
	if err := tightenMode(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certificates: key directory: %w", err)
	}
	ks := &KeyStore{dir: dir, now: now}
	if err := ks.load(); err != nil {
		return nil, err
	}
	if ks.current() == nil {
		if _, err := ks.Rotate(); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// OpenKeyFile opens a store with the single key in the PEM file at path
// (--signing-key). The store is read-only: Rotate returns ErrReadOnlyKeys.
// The key's Created time is the file's modification time.
func OpenKeyFile(path string) (*KeyStore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificates: signing key: %w", err)
	}
	k, err := ParseKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("certificates: signing key %s: %w", path, err)
	}
	if k.Private == nil {
		return nil, fmt.Errorf("certificates: signing key %s holds only a public key", path)
	}
	if st, err := os.Stat(path); err == nil {
		k.Created = st.ModTime().UTC().Truncate(time.Second)
	}
	return &KeyStore{keys: []*Key{k}}, nil
}

// Current returns the key that signs new credentials.
func (ks *KeyStore) Current() *Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return ks.current()
}

func (ks *KeyStore) current() *Key {
	for _, k := range ks.keys {
		if k.Private != nil {
			return k
		}
	}
	return nil
}

// Keys returns all keys, the current and the retired ones, newest first.
// The slice is a copy; the keys must not be modified.
func (ks *KeyStore) Keys() []*Key {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return slices.Clone(ks.keys)
}

// Lookup returns the public key with the given kid. Its signature fits the
// keys argument of VerifyCredential and VerifyStatusList.
func (ks *KeyStore) Lookup(kid string) (*ecdsa.PublicKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	for _, k := range ks.keys {
		if k.ID == kid {
			return k.Public, true
		}
	}
	return nil, false
}

// Rotate creates a new current key and writes it to the key directory
// atomically. The previous keys stay in the store (and in the JWKS) so that
// what they signed keeps verifying.
func (ks *KeyStore) Rotate() (*Key, error) {
	if ks.dir == "" {
		return nil, ErrReadOnlyKeys
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	created := ks.now().UTC().Truncate(time.Second)
	// Keep the file names ordered even if the clock is behind the newest key.
	if len(ks.keys) > 0 && !created.After(ks.keys[0].Created) {
		created = ks.keys[0].Created.Add(time.Second)
	}
	k, err := NewKey(crand.Reader, created)
	if err != nil {
		return nil, err
	}
	data, err := MarshalKeyPEM(k)
	if err != nil {
		return nil, err
	}
	name := strconv.FormatInt(created.Unix(), 10) + "-" + k.ID + ".pem"
	if err := writeFileAtomic(ks.dir, name, data); err != nil {
		return nil, fmt.Errorf("certificates: write key: %w", err)
	}
	ks.keys = append([]*Key{k}, ks.keys...)
	return k, nil
}

// load reads every key file in the directory.
func (ks *KeyStore) load() error {
	entries, err := os.ReadDir(ks.dir)
	if err != nil {
		return fmt.Errorf("certificates: key directory: %w", err)
	}
	var keys []*Key
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".pem") {
			continue // temp files of an interrupted write, README, ...
		}
		k, err := readKeyFile(ks.dir, name)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b *Key) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	ks.keys = keys
	return nil
}

// readKeyFile reads <created-unix>-<kid>.pem and checks that the kid in the
// name is the key's thumbprint.
func readKeyFile(dir, name string) (*Key, error) {
	stem := strings.TrimSuffix(name, ".pem")
	unix, kid, ok := strings.Cut(stem, "-")
	secs, err := strconv.ParseInt(unix, 10, 64)
	if !ok || err != nil || secs < 0 || kid == "" {
		return nil, fmt.Errorf("certificates: key file %s: the name is not <created-unix>-<kid>.pem", name)
	}
	path := filepath.Join(dir, name)
	if err := tightenMode(path, 0o600); err != nil {
		return nil, fmt.Errorf("certificates: key file %s: %w", name, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificates: key file: %w", err)
	}
	k, err := ParseKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("certificates: key file %s: %w", name, err)
	}
	if k.ID != kid {
		return nil, fmt.Errorf("certificates: key file %s holds the key %s, not %s", name, k.ID, kid)
	}
	k.Created = time.Unix(secs, 0).UTC()
	return k, nil
}

// tightenMode removes group and other permissions from path if it has any.
// Key material must be readable by the service account only.
func tightenMode(path string, mode os.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil // no Unix permission bits
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("%s is accessible to other users and cannot be restricted: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes data to dir/name so that the file either does not
// exist or is complete, even after a crash: temp file (mode 0600), fsync,
// rename, fsync of the directory.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Best effort: not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// jwk is one public key in a JWKS, members in the order RFC 7517 examples use.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	D   string `json:"d,omitempty"` // only read, to refuse key sets that leak a private key
}

// JWKS returns the JSON Web Key Set of the public keys, in the order given:
// {"keys":[{"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..,"alg":"ES256","use":"sig"}]}.
// Private parts are never included.
func JWKS(keys []*Key) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		if k == nil {
			return nil, errors.New("certificates: JWKS: nil key")
		}
		x, y, ok := p256XY(k.Public)
		if !ok {
			return nil, fmt.Errorf("certificates: JWKS: key %s is not a P-256 public key", k.ID)
		}
		set.Keys = append(set.Keys, jwk{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: Thumbprint(k.Public), Alg: "ES256", Use: "sig"})
	}
	return json.Marshal(set)
}

// ParseJWKS reads a JSON Web Key Set for offline verification and returns
// its keys by kid. Every key must be an EC P-256 public key valid on the
// curve, with alg ES256 and use sig when those are given, and a kid equal
// to its RFC 7638 thumbprint; a key set that breaks any of this, or that
// contains a private key, is refused as a whole.
func ParseJWKS(data []byte) (map[string]*ecdsa.PublicKey, error) {
	if len(data) > maxJWKSSize {
		return nil, errors.New("certificates: JWKS larger than 1 MiB")
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("certificates: JWKS: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("certificates: JWKS holds no keys")
	}
	out := make(map[string]*ecdsa.PublicKey, len(set.Keys))
	for i, k := range set.Keys {
		pub, err := parseJWK(k)
		if err != nil {
			return nil, fmt.Errorf("certificates: JWKS key %d (kid %q): %w", i, k.Kid, err)
		}
		out[k.Kid] = pub
	}
	return out, nil
}

func parseJWK(k jwk) (*ecdsa.PublicKey, error) {
	switch {
	case k.Kty != "EC" || k.Crv != "P-256":
		return nil, fmt.Errorf("kty %q crv %q: only EC P-256 keys are accepted", k.Kty, k.Crv)
	case k.Alg != "" && k.Alg != "ES256":
		return nil, fmt.Errorf("alg %q: only ES256 is accepted", k.Alg)
	case k.Use != "" && k.Use != "sig":
		return nil, fmt.Errorf("use %q: not a signing key", k.Use)
	case k.D != "":
		return nil, errors.New("the key set contains a private key")
	}
	x, errX := base64.RawURLEncoding.Strict().DecodeString(k.X)
	y, errY := base64.RawURLEncoding.Strict().DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != p256Coordinate || len(y) != p256Coordinate {
		return nil, errors.New("x and y must be 32-byte base64url coordinates")
	}
	point := make([]byte, 0, 1+2*p256Coordinate)
	point = append(point, 4)
	point = append(point, x...)
	point = append(point, y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("not a point on P-256: %w", err)
	}
	if tp := Thumbprint(pub); k.Kid != tp {
		return nil, fmt.Errorf("kid does not match the key's thumbprint %s", tp)
	}
	return pub, nil
}
