// Package auth holds password hashing, session tokens and account input
// validation.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. The defaults follow OWASP's password
// storage cheat sheet (m=19 MiB, t=2, p=1).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams are the OWASP-recommended argon2id parameters.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Hasher hashes and checks passwords with argon2id. At most a fixed number of
// hashes run at once, so a login flood queues instead of eating memory.
type Hasher struct {
	params Params
	slots  chan struct{}
	dummy  string        // a hash to check against when the account is unknown
	done   atomic.Uint64 // argon2 computations so far, for Computed
}

// NewHasher returns a Hasher allowing concurrent hashes at once.
func NewHasher(p Params, concurrent int) *Hasher {
	h := &Hasher{params: p, slots: make(chan struct{}, max(1, concurrent))}
	h.dummy = h.encode(make([]byte, 16), "kipass-dummy-password")
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Computed returns how many argon2id computations Hash and Verify have run.
// Tests use it to prove that a path does no hashing work (an anonymous
// request with a made-up token must be cheap); it can also feed a metric.
func (h *Hasher) Computed() uint64 { return h.done.Load() }

func (h *Hasher) encode(salt []byte, password string) string {
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.params.Memory, h.params.Time, h.params.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Hash returns the PHC-encoded argon2id hash of password with a random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	h.done.Add(1)
	return h.encode(salt, password), nil
}

// Verify reports whether password matches the encoded hash. An empty encoded
// hash (unknown account) is checked against a dummy hash, so both cases take
// the same time, and never matches.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	h.done.Add(1)
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return known && subtle.ConstantTimeCompare(got, key) == 1, nil
}

func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("auth: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("auth: bad salt: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("auth: bad key")
	}
	return p, salt, key, nil
}
